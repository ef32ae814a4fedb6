import pytest

from storage.database import DatabaseUrlError, parse_database_url


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://cir:pw@db.internal/cir",
        "postgres://cir:pw@db.internal:5433/cir",
        "postgresql+psycopg2://cir:pw@db.internal/cir",
        "postgresql+asyncpg://cir:pw@db.internal/cir",
    ],
)
def test_postgres_forms_people_paste_pick_psycopg(raw: str) -> None:
    target = parse_database_url(raw)
    assert target.async_url.drivername == "postgresql+psycopg"
    assert target.async_url.database == "cir"
    assert "pw" not in target.redacted()


def test_sqlite_path_uses_aiosqlite_for_the_service_and_creates_the_folder(tmp_path) -> None:
    path = tmp_path / "nested" / "cir.db"
    target = parse_database_url(f"sqlite:///{path}")
    assert target.async_url.drivername == "sqlite+aiosqlite"
    assert target.sync_url.drivername == "sqlite"
    assert path.parent.is_dir()


def test_empty_means_the_embedded_sqlite_default() -> None:
    assert parse_database_url("").sync_url.database == "var/cir.db"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u:p@h/db", "does not support"),
        ("postgresql:///cir", "no host"),
        ("postgresql://u@host", "no database"),
    ],
)
def test_malformed_urls_are_refused_clearly(raw: str, message: str) -> None:
    with pytest.raises(DatabaseUrlError, match=message):
        parse_database_url(raw)


def test_a_file_uri_without_uri_true_is_refused_with_what_to_write(tmp_path, monkeypatch) -> None:
    """SQLite reads `file:…` as a URI or as a name depending on how it was built, so the switch
    to WAL and the engine could open different files: refused before anything is made."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatabaseUrlError, match=r"\?uri=true"):
        parse_database_url("sqlite:///file:data/cir.db")
    assert list(tmp_path.iterdir()) == []
    assert parse_database_url("sqlite:///file:data/cir.db?uri=true").is_sqlite

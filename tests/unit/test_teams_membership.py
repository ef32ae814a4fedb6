"""Who Teams' member lookup says is a guest: not `userRole` alone (Microsoft saw it say "user"
for a guest), but also Entra's `#EXT#` name for every B2B guest, and another tenant; an answer
about someone else, or one that says nothing, confirms nothing."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.teams.membership import Verdict, verdict_of

TENANT = "22222222-2222-4222-8222-222222222222"
OTHER = "11111111-1111-4111-8111-111111111111"
KIM = "8f0e6a2b-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
MEMBER: dict[str, Any] = {
    "id": "29:abc",
    "aadObjectId": KIM,
    "userPrincipalName": "kim.responder@kpmg.example",
    "tenantId": TENANT,
    "userRole": "user",
}
GUEST_UPN = "jane_council.gov.uk#EXT#@kpmgtenant.onmicrosoft.com"


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, Verdict.MEMBER),
        ({"userRole": "guest"}, Verdict.GUEST),
        ({"userRole": "Guest"}, Verdict.GUEST),
        ({"userRole": "anonymous", "userPrincipalName": None}, Verdict.GUEST),
        ({"userPrincipalName": GUEST_UPN}, Verdict.GUEST),  # userRole says "user"
        ({"userPrincipalName": GUEST_UPN.replace("#EXT#", "#ext#")}, Verdict.GUEST),
        ({"tenantId": OTHER}, Verdict.GUEST),
        ({"tenantId": TENANT.upper()}, Verdict.MEMBER),
        ({"tenantId": None}, Verdict.MEMBER),  # not given: the other signs decide
        ({"userRole": None}, Verdict.MEMBER),  # an older answer: a plain UPN in the tenant
        ({"userPrincipalName": None}, None),  # "user" alone is what Teams said of a guest
        ({"aadObjectId": None, "objectId": KIM.upper()}, Verdict.MEMBER),  # Teams' docs' key
        ({"aadObjectId": None}, Verdict.MEMBER),
        ({"aadObjectId": "00000000-0000-4000-8000-000000000000"}, None),  # someone else
        ({"userRole": None, "userPrincipalName": None}, None),  # says nothing
        ({"userRole": "bot"}, None),  # not a role Teams gives people
    ],
)
def test_the_verdict(changes: dict[str, Any], verdict: Verdict | None) -> None:
    account = {k: v for k, v in (MEMBER | changes).items() if v is not None}
    assert verdict_of(account, TENANT, KIM) is verdict


def test_an_answer_that_is_not_an_account_confirms_nothing() -> None:
    assert verdict_of({}, TENANT, KIM) is None
    assert verdict_of({"userRole": ["user"], "userPrincipalName": 7}, TENANT, KIM) is None

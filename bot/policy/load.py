"""Load and cross-check every policy file; any mistake stops start-up with file, key and fix."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from bot.domain.bindings import Platform
from bot.policy.errors import ConfigError
from bot.policy.followups import load_followups
from bot.policy.model import (
    Contact,
    Council,
    DutyShift,
    Ladder,
    LadderStep,
    Mhclg,
    Policy,
    Provider,
    RecipientKind,
    RotaPeriod,
    TeamsPlace,
)
from bot.policy.questionnaire import load_questionnaire
from bot.policy.reader import EMAIL, Node, load_yaml, parse_duration
from bot.policy.register import CouncilType, Region
from bot.policy.retention import load_retention
from bot.policy.shifts import end_of, instant
from bot.policy.teams_checks import check_teams

OPTIONAL_CODE = re.compile(r"^(E\d{8})?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
OPTIONAL_GUID = re.compile(rf"^({GUID.pattern[1:-1]})?$")
SERVICE_URL = re.compile(r"^(https://[^\s/]+(/[^\s]*)?)?$")
DEFAULT_GUIDANCE = (
    "MHCLG has assessed this incident as below the threshold for CIR support for now. "
    "Keep MHCLG informed of any change; the incident will be reviewed."
)
NOTIFY_TARGETS = {kind.value for kind in RecipientKind}


def _node(directory: Path, name: str) -> Node:
    path = directory / name
    return Node(str(path), "", load_yaml(path))


def _contact(node: Node) -> Contact:
    email = node.child("email").str(default="")
    if email and not EMAIL.match(email):
        raise node.child("email").fail(f"{email!r} is not an email address", "fix the address")
    return Contact(
        name=node.child("name").str(),
        email=email,
        phone=node.child("phone").str(default=""),
        slack_user=node.child("slack_user").str(default=""),
        teams_user=node.child("teams_user").str(default="", pattern=OPTIONAL_GUID),
    )


def _platform(item: Node) -> tuple[Platform, TeamsPlace | None]:
    """`platform: teams` (default slack) and, for Teams, `teams: {tenant_id, service_url}`:
    the tenant whose people act for the organisation, and its Bot Connector endpoint."""
    platform = Platform(_choice(item.child("platform"), Platform, default=Platform.SLACK.value))
    if not item.has("teams"):
        if platform is Platform.TEAMS:
            raise item.child("teams").fail(
                "is required for an organisation on Teams",
                "add teams: {tenant_id: <its Microsoft 365 tenant id>}",
            )
        return platform, None
    node = item.child("teams")
    place = TeamsPlace(
        tenant_id=node.child("tenant_id").str(pattern=GUID),
        service_url=node.child("service_url").str(default="", pattern=SERVICE_URL),
    )
    return platform, place


def _choice(node: Node, allowed: type[StrEnum], default: str | None = None) -> str:
    value = node.str(default=default)
    if value and value not in {a.value for a in allowed}:
        raise node.fail(f"unknown {value!r}", f"use one of: {', '.join(a.value for a in allowed)}")
    return value


def _councils(directory: Path) -> dict[str, Council]:
    root = _node(directory, "councils.yml").child("councils")
    councils: dict[str, Council] = {}
    codes: dict[str, str] = {}
    for item in root.items():
        cid = item.child("id").str(pattern=SLUG)
        if cid in councils:
            raise item.child("id").fail(f"duplicate council id {cid!r}", "give each council one id")
        code = item.child("code").str(default="", pattern=OPTIONAL_CODE)
        if code and code in codes:
            raise item.child("code").fail(
                f"code {code} is also council {codes[code]!r}", "give each council its own code"
            )
        codes[code] = cid
        platform, teams = _platform(item)
        councils[cid] = Council(
            id=cid,
            name=item.child("name").str(),
            region=_choice(item.child("region"), Region),
            council_type=_choice(item.child("type"), CouncilType, default=""),
            code=code,
            warp=item.child("warp").str(default=""),
            contacts=tuple(_contact(c) for c in item.child("contacts").items()),
            slack_connect=item.child("slack_connect").bool(default=False),
            slack_team_id=item.child("slack_team_id").str(default=""),
            platform=platform,
            teams=teams,
        )
    if not councils:
        raise root.fail("no councils listed", "list at least one council")
    return councils


def _providers(directory: Path) -> tuple[dict[str, Provider], tuple[RotaPeriod, ...]]:
    doc = _node(directory, "providers.yml")
    providers: dict[str, Provider] = {}
    for item in doc.child("providers").items():
        pid = item.child("id").str(pattern=SLUG)
        platform, teams = _platform(item)
        providers[pid] = Provider(
            id=pid,
            name=item.child("name").str(),
            # a provider on Teams is paged in its own Teams conversation, not a Slack channel
            paging_channel=item.child("paging_channel").str(
                default="" if platform is Platform.TEAMS else None
            ),
            slack_team_ids=tuple(item.child("slack_team_ids").strs()),
            users=tuple(item.child("users").strs()),
            escalation_contacts=tuple(
                _contact(c) for c in item.child("escalation_contacts").items()
            ),
            platform=platform,
            teams=teams,
        )
    rota: list[RotaPeriod] = []
    for item in doc.child("rota").items():
        ids = tuple(item.child("providers").strs())
        for i, pid in enumerate(ids):
            if pid not in providers:
                raise (
                    item.child("providers")
                    .child(i)
                    .fail(
                        f"unknown provider {pid!r}", f"use one of: {', '.join(sorted(providers))}"
                    )
                )
        start = instant(item.child("from"))
        end = end_of(item.child("to")) if item.has("to") and item.child("to").value else None
        if end is not None and end <= start:
            raise item.child("to").fail("ends before it starts", "make 'to' later than 'from'")
        rota.append(RotaPeriod(start=start, end=end, provider_ids=ids))
    if not rota:
        raise doc.child("rota").fail("no rota periods", "add at least one period with 'from'")
    return providers, tuple(rota)


def _mhclg(directory: Path) -> Mhclg:
    doc = _node(directory, "mhclg.yml")
    shifts: list[DutyShift] = []
    for item in doc.child("duty_rota").items():
        shift = DutyShift(
            start=instant(item.child("from")), manager=_contact(item.child("manager"))
        )
        if any(s.start == shift.start for s in shifts):
            raise item.child("from").fail(
                "two shifts start at the same minute", "give each handover its own time"
            )
        shifts.append(shift)
    return Mhclg(
        slack_team_id=doc.child("slack_team_id").str(default=""),
        assessors=tuple(doc.child("assessors").strs()),
        team_users=tuple(doc.child("team_users").strs()),
        team_usergroup=doc.child("team_usergroup").str(default=""),
        triage_channel=doc.child("triage_channel").str(),
        four_eyes=doc.child("four_eyes").bool(default=False),
        review_reminder=doc.child("review_reminder").duration(default="24h"),
        info_reminder=doc.child("info_reminder").duration(default="4h"),
        monitor_guidance=doc.child("monitor_guidance").str(default=DEFAULT_GUIDANCE),
        duty_rota=tuple(shifts),
        ncsc_users=tuple(doc.child("observers").child("ncsc").strs())
        if doc.has("observers")
        else (),
        gc3_users=tuple(doc.child("observers").child("gc3").strs()) if doc.has("observers") else (),
    )


def _ladder(directory: Path, contact_deadline: str | None) -> Ladder:
    doc = _node(directory, "escalation.yml")
    deadline_node = doc.child("contact_deadline")
    if contact_deadline:
        try:
            deadline = parse_duration(contact_deadline)
        except ValueError as exc:
            raise ConfigError(
                "CIR_CONTACT_DEADLINE", "(environment)", str(exc), "set it like 30m or 90s"
            ) from None
    else:
        deadline = deadline_node.duration(default="30m")
    configured = deadline_node.duration(default="30m")
    scale = deadline / configured
    steps: list[LadderStep] = []
    for item in doc.child("steps").items():
        kind = item.child("kind").str()
        if kind not in {"reminder", "escalation"}:
            raise item.child("kind").fail(f"unknown kind {kind!r}", "use reminder or escalation")
        raw_offset = item.child("after_notification").duration()
        targets = tuple(item.child("notify").strs())
        for i, target in enumerate(targets):
            if target not in NOTIFY_TARGETS:
                raise (
                    item.child("notify")
                    .child(i)
                    .fail(
                        f"unknown target {target!r}",
                        f"use any of {', '.join(sorted(NOTIFY_TARGETS))}",
                    )
                )
        notify = tuple(RecipientKind(target) for target in targets)
        steps.append(
            LadderStep(
                offset=raw_offset * scale,
                kind=kind,
                level=int(item.child("level").str(default="0")),
                notify=notify,
            )
        )
    if not any(s.kind == "escalation" for s in steps):
        raise doc.child("steps").fail("no escalation step", "add a step with kind: escalation")
    return Ladder(contact_deadline=deadline, steps=tuple(sorted(steps, key=lambda s: s.offset)))


def load_policy(directory: Path, *, contact_deadline: str | None = None) -> Policy:
    if not directory.is_dir():
        raise ConfigError(str(directory), "(directory)", "does not exist", "set CIR_CONFIG_DIR")
    providers, rota = _providers(directory)
    followups = load_followups(directory)
    policy = Policy(
        councils=_councils(directory),
        providers=providers,
        rota=rota,
        mhclg=_mhclg(directory),
        ladder=_ladder(directory, contact_deadline),
        questionnaire=load_questionnaire(directory),
        followups=followups,
        retention=load_retention(directory, notify_file_weeks=followups.report_retention_weeks),
    )
    check_teams(policy, directory)
    return policy

"""What MHCLG is shown when the bot learns a council's Slack workspace, and once it decides.

The question names the workspace and the council in the button itself ("Confirm: T0XYZ is
Hackney"), so nobody confirms a match they have not read. The decider's name is a person's
display name, so it travels as a fact the renderer escapes, never in the text.
"""

from __future__ import annotations

from bot.domain.org_bindings import BindingStatus
from bot.ports.chat import OutboundMessage
from bot.usecases.org_bindings import TeamProposal
from bot.views.actions import Action, Style
from bot.views.card import Button, Fact


def team_value(proposal: TeamProposal) -> str:
    """The buttons' value: which binding they decide."""
    return f"{proposal.binding.platform.value}:{proposal.binding.team_id}"


def proposal_message(proposal: TeamProposal) -> OutboundMessage:
    b, council = proposal.binding, proposal.council_name
    text = (
        f"{council}'s contact accepted the Slack Connect invitation to {proposal.reference} "
        f"from Slack workspace {b.team_id}. Until someone in MHCLG's CIR team confirms that "
        f"{b.team_id} is {council}'s own workspace, its people can read the incident channel "
        f"but cannot act for {council}. Confirm only if you know the workspace is the "
        "council's (not a supplier's or a personal one)."
    )
    value = team_value(proposal)
    return OutboundMessage(
        text=text,
        title="A council's Slack workspace to confirm",
        facts=(
            Fact("Council", council),
            Fact("Slack workspace", b.team_id),
            Fact("Incident", proposal.reference),
            Fact("Accepted by (Slack user)", b.learnt_from_user, user_text=True),
        ),
        buttons=(
            Button(
                Action.CONFIRM_SLACK_TEAM,
                f"Confirm: {b.team_id} is {council}",
                value,
                Style.PRIMARY,
            ),
            Button(Action.REJECT_SLACK_TEAM, "Not this council", value, Style.DANGER),
        ),
    )


def decided_message(proposal: TeamProposal) -> OutboundMessage:
    b, council = proposal.binding, proposal.council_name
    if b.status is BindingStatus.CONFIRMED:
        title = "Council's Slack workspace confirmed"
        text = f"{b.team_id} is {council}'s workspace: its people are now recognised as {council}."
    else:
        title = "Council's Slack workspace rejected"
        text = (
            f"{b.team_id} is not {council}'s workspace: its people are not recognised as "
            f"{council}. Set slack_team_id in config/councils.yml if you know the right one."
        )
    return OutboundMessage(
        text=text,
        title=title,
        facts=(
            Fact("Incident", proposal.reference),
            Fact("Decided by", b.decided_by_name, user_text=True),
        ),
    )

"""What the core needs from the outside world, as protocols the edges implement, together:

- `uow`: the unit of work and its repositories (storage/ implements them);
- `chat`: a chat platform, for the messages the core sends (handlers/slack, and Teams in turn);
- `notify`: email and SMS through GOV.UK Notify (handlers/notify);
- `wake`: the deadline scheduler's wake-up, as the edges use it after a commit (bot/app).

`from bot.ports import UnitOfWork` keeps working: the unit of work's names are re-exported here.
"""

from bot.ports.uow import (
    AssessmentRepository,
    ChannelRepository,
    ChecklistRepository,
    DeadlineRepository,
    EngagementRepository,
    IncidentRepository,
    InviteRepository,
    LessonsRepository,
    MessageRepository,
    OrgBindingRepository,
    RequestLog,
    TimelineRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "AssessmentRepository",
    "ChannelRepository",
    "ChecklistRepository",
    "DeadlineRepository",
    "EngagementRepository",
    "IncidentRepository",
    "InviteRepository",
    "LessonsRepository",
    "MessageRepository",
    "OrgBindingRepository",
    "RequestLog",
    "TimelineRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]

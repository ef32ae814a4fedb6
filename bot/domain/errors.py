"""Domain errors carry a message a person can act on; handlers show it as it is."""


class DomainError(Exception):
    """A rule of the service refused the command. Nothing was changed."""


class IllegalTransition(DomainError):
    pass


class UnknownState(DomainError):
    pass


class NotAuthorised(DomainError):
    pass


class NotFound(DomainError):
    pass


class InvalidInput(DomainError):
    """Input failed validation; `field_errors` maps a field to the message to show beside it."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


class ConcurrencyConflict(DomainError):
    """Someone else changed the incident first; the command can be retried on fresh state."""


class RecordTampered(DomainError):
    """The stored record fails its keyed integrity check; nothing is added to it until someone
    has looked (`python -m bot verify-timeline`)."""

"""Input limits shared by the forms of every platform, so a refusal names the same limit
everywhere instead of truncating silently."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.policy.reader import EMAIL

LIMITS = {
    "description": 3000,
    "services_affected": 1000,
    "contact_name": 120,
    "contact_email": 254,
    "contact_phone": 40,
    "ncsc_reference": 40,
    "rationale": 3000,
    "reason": 1000,
}


class FieldErrors:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def text(self, name: str, value: str, *, label: str, required: bool = True) -> str:
        value = (value or "").strip()
        limit = LIMITS.get(name, 3000)
        if required and not value:
            self.errors[name] = f"{label} is required."
        elif len(value) > limit:
            self.errors[name] = f"{label} is {len(value)} characters; the limit is {limit}."
        return value

    def email(self, name: str, value: str, *, label: str) -> str:
        value = self.text(name, value, label=label)
        if value and name not in self.errors and not EMAIL.match(value):
            self.errors[name] = f"{label} must be an email address, like name@council.gov.uk."
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            first = next(iter(self.errors.values()))
            raise InvalidInput(f"Please correct the form: {first}", dict(self.errors))

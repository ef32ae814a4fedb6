"""What a person is told when their action could not be finished: in plain words, and truthful
about whether anything of it was stored (the platform edge and the background work know which;
see `storage.errors`)."""

from __future__ import annotations

UNAVAILABLE = "the CIR service cannot reach its database just now"
BROKEN = "something went wrong in the CIR service (it is in the service's log)"


def failure_words(*, unavailable: bool, stored: bool) -> str:
    cause = UNAVAILABLE if unavailable else BROKEN
    if stored:
        return (
            f"Part of what you just did was saved, but the CIR bot could not finish it: {cause}. "
            "Check the incident's timeline before trying again."
        )
    return (
        f"What you just did could not be saved: {cause}. Nothing of it was recorded; "
        "please try again in a few minutes."
    )

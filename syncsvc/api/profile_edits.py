"""Changing a profile, and what the load model estimated in place of missing values."""

from __future__ import annotations

from dataclasses import dataclass

from syncsvc.api.pipeline import analyse, replan_after_change, replan_note
from syncsvc.domain import Athlete, Profile
from syncsvc.errors import UsageError
from syncsvc.profiles import profile_rows, set_profile_value
from syncsvc.runtime import Runtime


def update_profile(
    runtime: Runtime, athlete: Athlete, profile: Profile, *, changed_key: str
) -> str:
    """Store the new profile, then replan (a new time zone or pattern moves the week)."""
    with runtime.store.write() as tx:
        tx.athletes.set_profile(athlete.id, profile)
    result = replan_after_change(runtime, athlete.id, reason=f"profile {changed_key} changed")
    return replan_note(result)


def estimated_values(runtime: Runtime, athlete: Athlete) -> dict[str, str]:
    """Values the load model estimates from data because the profile leaves them unset."""
    return analyse(runtime, athlete).parameters.filled_in()


class ProfileValueError(UsageError):
    """A profile value that cannot be used, naming its key (for a form to show it there)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    changed: tuple[str, ...]
    replanned: str
    """The replan's note ("" when nothing changed)."""


def update_profile_values(
    runtime: Runtime, athlete: Athlete, values: dict[str, str]
) -> ProfileUpdate:
    """Apply the changed keys (each checked as `profile set` checks it), then replan once.

    A bad value raises `ProfileValueError` naming its key before anything is stored.
    """
    shown = {key: value for key, value, _ in profile_rows(athlete.profile)}
    profile = athlete.profile
    changed = []
    for key, value in values.items():
        if shown.get(key) != value:
            try:
                profile = set_profile_value(profile, key, value)
            except UsageError as error:
                raise ProfileValueError(key, error.message) from None
            changed.append(key)
    if not changed:
        return ProfileUpdate((), "")
    note = update_profile(runtime, athlete, profile, changed_key=", ".join(changed))
    return ProfileUpdate(tuple(changed), note)

"""Changing a profile, and what the load model estimated in place of missing values."""

from __future__ import annotations

from syncsvc.api.pipeline import analyse, replan_after_change, replan_note
from syncsvc.domain import Athlete, Profile
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

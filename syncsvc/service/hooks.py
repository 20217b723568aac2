"""Where a change made by the runner reaches the pipeline.

Every override, check-in and profile change replans and re-renders the feed at
once. Until the pipeline exists these return an empty note.
"""

from __future__ import annotations

from syncsvc.domain import Athlete
from syncsvc.runtime import Runtime


def after_change(runtime: Runtime, athlete_id: int, *, reason: str) -> str:
    return ""


def estimated_profile_values(runtime: Runtime, athlete: Athlete) -> dict[str, str]:
    return {}

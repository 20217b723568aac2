"""Where a change made by the runner reaches the pipeline.

Every override, check-in and profile change replans and re-renders the feed at
once (no sync: replanning needs none), whether or not the service is running;
the pipeline's per-athlete lock keeps it from overlapping a service refresh.
"""

from __future__ import annotations

from syncsvc.domain import Athlete
from syncsvc.runtime import Runtime


def after_change(runtime: Runtime, athlete_id: int, *, reason: str) -> str:
    """Replan now; a short note on what moved, for the command to print."""
    from syncsvc.api.pipeline import refresh_athlete

    result = refresh_athlete(runtime, athlete_id, trigger=reason, sync=False)
    if result.moved:
        return f"Replanned: {len(result.moved)} session(s) moved."
    return "Replanned: nothing moved." if result.sessions_written == 0 else "Replanned."


def estimated_profile_values(runtime: Runtime, athlete: Athlete) -> dict[str, str]:
    """Profile values the load model fills in because they are unset, and from where."""
    from syncsvc.api.pipeline import analyse

    return analyse(runtime, athlete).parameters.filled_in()

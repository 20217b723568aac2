"""Tunable numbers of the planner (mounted at `settings.planner`).

Defaults are the ones in docs/program-rules.md (the italic numbers there); each
field names the rule it tunes. The programme's own numbers are in
`syncsvc/programme/settings.py`, mounted here as `planner.programme`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from syncsvc.programme.settings import ProgrammeSettings


class PlannerSettings(BaseModel):
    """Where sessions go (W1-W5) and how the preferences are weighed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_weeks: int = Field(2, ge=1, le=8)
    """Plan this many weeks ahead of today (the service may pass its own)."""
    core_per_week: int = Field(2, ge=0, le=4)
    """W1: core sessions a week."""
    hip_per_week: int = Field(2, ge=0, le=4)
    """W1: hip sessions a week."""
    min_gap_days: int = Field(2, ge=1)
    """W2: two sessions of one kind are at least this many calendar days apart."""
    allow_rest_day_double: bool = False
    """W3: allow a core and a hip session on one rest day when the week is crowded."""
    double_share: float = Field(0.6, gt=0, le=1)
    """W3: each half of a rest-day double is shortened to this share of its minutes."""
    score_rest: float = 30.0
    """Preference for a rest day (W4)."""
    score_easy: float = 20.0
    """Preference for an easy day (W4)."""
    score_moderate: float = 5.0
    """Preference for a moderate day (W4: lighter load first)."""
    score_load: float = 10.0
    """Penalty for the day's forecast load, scaled to the week's heaviest day."""
    score_preferred_day: float = 12.0
    """Preference for the athlete's preferred weekdays."""
    score_adjacent: float = 6.0
    """Penalty for two strength sessions on consecutive days (spread across the week)."""
    score_keep: float = 1000.0
    """Stability: a session already in the calendar keeps its day while it obeys the hard rules."""
    score_drop: float = 500.0
    """Cost of dropping a session when a week cannot hold them all."""
    exercises_short: int = Field(4, ge=1)
    """Exercises in a session of up to `short_minutes`."""
    exercises_medium: int = Field(5, ge=1)
    """Exercises in a session of up to `medium_minutes`."""
    exercises_long: int = Field(6, ge=1)
    """Exercises in a longer session."""
    short_minutes: int = Field(20, ge=1)
    medium_minutes: int = Field(30, ge=1)
    programme: ProgrammeSettings = Field(default_factory=ProgrammeSettings)

"""How the programme's doses progress and regress (mounted at `settings.planner.programme`).

Defaults are the ones in docs/program-rules.md (the italic numbers there); each
field names the rule it tunes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ProgrammeSettings(BaseModel):
    """How doses progress and regress (P1-P7, W6, W7)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    catalogue_path: Path | None = None
    """The programme TOML; None means the one shipped in `syncsvc/programme/data/`."""
    reps_step: int = Field(2, ge=1)
    """P1: a rep step adds this many reps."""
    hold_step_s: int = Field(5, ge=1)
    """P1: a hold step adds this many seconds."""
    set_step: int = Field(1, ge=1)
    """P1: a set step adds this many sets."""
    bands: tuple[str, ...] = ("light", "medium", "heavy")
    """P1: resistance bands from lightest to heaviest; a band step is the next one."""
    max_volume_step: float = Field(0.25, gt=0)
    """P1: one step never adds more than this share of a session's volume."""
    completion_to_advance: float = Field(0.8, ge=0, le=1)
    """P2: share of sessions done over the last weeks before a beginner changes block."""
    completion_window_weeks: int = Field(2, ge=1)
    """P2: how many weeks the completion share looks back."""
    completion_applies_to_intermediate: bool = False
    """P2 names beginners; set true to hold intermediates to it as well."""
    distance_jump: float = Field(0.10, ge=0)
    """P3: weekly distance up more than this share holds progression."""
    acwr_hold: float = Field(1.3, gt=0)
    """P3: an acute:chronic ratio above this holds progression."""
    acwr_step_back: float = Field(1.5, gt=0)
    """P3: above this the dose steps back one step."""
    back_flare_score: int = Field(5, ge=0, le=10)
    """P4: a low-back check-in at or above this (0 none, 10 worst) starts a week of basics."""
    basics_days: int = Field(7, ge=1)
    """P4: how long the basics last after the check-in."""
    basics_set_cut: int = Field(1, ge=0)
    """P4: sets taken off each exercise during the basics (never below one)."""
    missed_in_a_row_to_repeat: int = Field(2, ge=1)
    """P6: this many missed sessions in a row repeat the week."""
    rotate_after_weeks: int = Field(3, ge=1)
    """P7: weeks on the same exercise before a substitute is rotated in."""
    rotation: bool = True
    """P7: rotate substitutes in at all."""
    form_check_every_weeks: int = Field(4, ge=1)
    """W7: a form check on one session every this many programme weeks."""
    form_check: bool = True
    """W7: on by default."""
    rest_day_mobility: bool = True
    """W6: offer a short mobility and breathing block on rest days."""
    rest_day_mobility_minutes: int = Field(10, ge=1)
    """W6: its length."""
    rest_day_mobility_items: int = Field(4, ge=1)
    """W6: how many items it holds."""

"""Tunables of the merge that are not tied to one remote source.

Mounted in the root settings as `merge` (documented in docs/settings.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MergeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start_tolerance_s: float = Field(120.0, ge=0)
    """Two records of one run start within this many seconds (default 2 minutes)."""
    match_fraction: float = Field(0.05, ge=0, le=1)
    """...and their distance or duration differ by at most this share (default 5 %)."""
    window_pad_s: float = Field(600.0, ge=0)
    """Re-merge this far around new records, so a group is always seen whole."""

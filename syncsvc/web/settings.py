"""The `[web]` settings: the runner's web page, its sign-in and its sessions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    """Serve the web page at `/` beside the feed."""
    session_days: float = Field(30.0, gt=0, le=400)
    """How long a signed-in browser stays signed in."""
    link_minutes: int = Field(15, ge=1, le=60)
    """How long a sign-in link from `syncsvc web link` works (once)."""
    links_per_hour: int = Field(5, ge=1, le=100)
    """Sign-in links one user may be given per hour."""
    upload_max_mb: int = Field(512, ge=1, le=10_240)
    """Largest file the upload form accepts (bulk-export zips are big)."""
    oauth_state_minutes: int = Field(10, ge=1, le=60)
    """How long an OAuth `state` waits for the provider's redirect back."""
    signup: Literal["off", "strava"] = "off"
    """"strava": the sign-in page offers "Sign in with Strava" and a first sign-in joins.

    Off by default, so a single runner's installation stays private."""
    signup_clubs: tuple[int, ...] = ()
    """Strava club ids: only their members may join (empty: anyone)."""
    signup_max: int | None = Field(None, ge=1)
    """At most this many athletes in the store; sign-ups beyond it are refused."""

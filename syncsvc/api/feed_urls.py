"""The URLs a runner pastes into a calendar app."""

from __future__ import annotations

from syncsvc.config import Settings


def feed_base_url(settings: Settings) -> str:
    if settings.service.public_url:
        return settings.service.public_url.rstrip("/")
    return f"http://{settings.service.host}:{settings.service.port}"


def feed_urls(settings: Settings, token: str) -> dict[str, str]:
    """The http(s) URL and its webcal:// twin (calendar apps open that one directly)."""
    url = f"{feed_base_url(settings)}/feeds/{token}.ics"
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"url": url, "webcal": webcal}


def redact_feed_url(url: str) -> str:
    """The URL with its secret token hidden, for JSON output and logs."""
    head, _, _ = url.rpartition("/feeds/")
    return f"{head}/feeds/<token>.ics (syncsvc feed url shows it)"

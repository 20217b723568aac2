"""The URLs a runner pastes into a calendar app.

The path comes from the route table (`syncsvc.routes`), the same one the
server serves, so the printed URL and the served route cannot drift apart.
"""

from __future__ import annotations

from syncsvc import routes
from syncsvc.config import Settings

_PLACEHOLDER = "<token>"


def feed_base_url(settings: Settings) -> str:
    if settings.service.public_url:
        return settings.service.public_url.rstrip("/")
    return f"http://{settings.service.host}:{settings.service.port}"


def feed_urls(settings: Settings, token: str) -> dict[str, str]:
    """The http(s) URL and its webcal:// twin (calendar apps open that one directly)."""
    url = f"{feed_base_url(settings)}{routes.feed_path(token)}"
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"url": url, "webcal": webcal}


def redact_feed_url(url: str) -> str:
    """The URL with its secret token hidden, for JSON output and logs."""
    head, _, _ = url.rpartition(routes.static_prefix(routes.FEED))
    return f"{head}{routes.feed_path(_PLACEHOLDER)} (syncsvc feed url shows it)"

"""The HTTP routes, by name: the one place that knows the path shapes.

The server builds its Starlette routes from this table (`server/app.py`,
`server/feed_routes.py`, `server/webhook.py`), and whatever prints or matches a
URL without an app (the CLI's feed URL, the demo, log redaction, the feed
request counter) asks this module by route name, so a path changes here only.

A feed path is public for ever: every subscribed calendar app polls it, so
changing `/feeds/{token}.ics` breaks them all.

`starlette.routing` is imported on first use (`url_path_for`): the CLI prints a
feed URL without paying for the web stack at start-up.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import Router

FEED = "feed"
"""`GET`/`HEAD` a runner's calendar feed (the token is the secret)."""
STRAVA_WEBHOOK_VALIDATE = "strava_webhook_validate"
"""Strava's subscription check (`GET` with `hub.challenge`)."""
STRAVA_WEBHOOK_EVENT = "strava_webhook_event"
"""Strava's event delivery (`POST`)."""
STRAVA_WEBHOOK_SECRET_VALIDATE = "strava_webhook_secret_validate"  # noqa: S105 - a route name
"""The subscription check on the secret callback path (`syncsvc strava webhook register`)."""
STRAVA_WEBHOOK_SECRET_EVENT = "strava_webhook_secret_event"  # noqa: S105 - a route name
"""Event delivery on the secret callback path: once one is stored, the plain path is a 404."""
HEALTHZ = "healthz"
METRICS = "metrics"

PATHS: dict[str, str] = {
    FEED: "/feeds/{token}.ics",
    STRAVA_WEBHOOK_VALIDATE: "/webhooks/strava",
    STRAVA_WEBHOOK_EVENT: "/webhooks/strava",
    STRAVA_WEBHOOK_SECRET_VALIDATE: "/webhooks/strava/{secret}",
    STRAVA_WEBHOOK_SECRET_EVENT: "/webhooks/strava/{secret}",
    HEALTHZ: "/healthz",
    METRICS: "/metrics",
}
"""Route name to Starlette path template."""


def path_of(name: str) -> str:
    """The path template of a route (`{param}` placeholders), to build a Starlette `Route`."""
    return PATHS[name]


def static_prefix(name: str) -> str:
    """The path up to its first parameter: `/feeds/` for the feed (to match logged paths)."""
    return path_of(name).partition("{")[0]


def url_path_for(name: str, /, **path_params: str) -> str:
    """The path of a route with its parameters filled in, as Starlette's router builds it."""
    return str(_router().url_path_for(name, **path_params))


def feed_path(token: str) -> str:
    """`/feeds/<token>.ics`."""
    return url_path_for(FEED, token=token)


def strava_webhook_path(secret: str | None) -> str:
    """`/webhooks/strava/<secret>`, or the plain `/webhooks/strava` without a secret."""
    if secret is None:
        return url_path_for(STRAVA_WEBHOOK_EVENT)
    return url_path_for(STRAVA_WEBHOOK_SECRET_EVENT, secret=secret)


async def _unserved(*_: object) -> None:
    raise RuntimeError("the route table only builds paths; the server's app serves them")


@functools.cache
def _router() -> Router:
    from starlette.routing import Route, Router

    return Router(routes=[Route(path, _unserved, name=name) for name, path in PATHS.items()])

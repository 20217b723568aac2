"""The route table: the paths the server serves are the ones the CLI prints."""

from __future__ import annotations

from starlette.routing import Route

from syncsvc import routes
from syncsvc.api.feed_urls import feed_urls, redact_feed_url
from syncsvc.config import ServiceSettings, Settings
from syncsvc.server.feed_routes import feed_routes
from tests.server.feed_doubles import TOKEN, MemoryLookup


def test_the_feed_path_is_the_public_one_calendars_subscribe_to() -> None:
    # Every subscribed calendar app polls this shape: it must never change.
    assert routes.feed_path(TOKEN) == f"/feeds/{TOKEN}.ics"
    assert routes.static_prefix(routes.FEED) == "/feeds/"


def test_the_served_feed_route_builds_the_same_path_as_the_table() -> None:
    (route,) = feed_routes(MemoryLookup())

    assert isinstance(route, Route)
    assert route.name == routes.FEED
    assert route.url_path_for(routes.FEED, token=TOKEN) == routes.feed_path(TOKEN)


def test_the_printed_feed_url_is_the_public_url_and_the_route_path() -> None:
    settings = Settings(service=ServiceSettings(public_url="https://coach.example.org/run/"))

    urls = feed_urls(settings, TOKEN)

    assert urls["url"] == f"https://coach.example.org/run{routes.feed_path(TOKEN)}"
    assert urls["webcal"] == f"webcal://coach.example.org/run{routes.feed_path(TOKEN)}"
    assert redact_feed_url(urls["url"]) == (
        "https://coach.example.org/run/feeds/<token>.ics (syncsvc feed url shows it)"
    )


def test_every_named_route_has_a_path() -> None:
    names = {
        routes.FEED,
        routes.STRAVA_WEBHOOK_VALIDATE,
        routes.STRAVA_WEBHOOK_EVENT,
        routes.STRAVA_WEBHOOK_SECRET_VALIDATE,
        routes.STRAVA_WEBHOOK_SECRET_EVENT,
        routes.HEALTHZ,
        routes.METRICS,
    }

    assert set(routes.PATHS) == names
    assert routes.url_path_for(routes.HEALTHZ) == "/healthz"
    assert routes.url_path_for(routes.STRAVA_WEBHOOK_EVENT) == "/webhooks/strava"
    assert routes.strava_webhook_path("s3cret") == "/webhooks/strava/s3cret"
    assert routes.strava_webhook_path(None) == "/webhooks/strava"

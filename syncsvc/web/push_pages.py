"""Push channels on the Connections page: add CalDAV or Garmin, sync now, remove.

The Garmin login with its MFA step is the Connections page's own
(`connection_pages.garmin_pages`, with `push` set); Google stays on the
command line, as its consent needs a web-application OAuth client and a
redirect of its own.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.errors import NotFoundError, SyncsvcError
from syncsvc.push.caldav import where_of
from syncsvc.push.model import LABELS, ChannelAuthError, ChannelKind, ChannelStatus
from syncsvc.web.app_api import AppApi
from syncsvc.web.connections_view import connections
from syncsvc.web.pages import FieldError, Handler, Page, endpoint
from syncsvc.web.push_words import channel_name, result_words

CALDAV_FIELDS = ("url", "username", "password")
"""The CalDAV form's required fields, in the order their errors are shown."""


def _channel(page: Page, channel_id: int) -> ChannelStatus:
    """One of this athlete's channels; another athlete's is simply not found."""
    for status in page.api.push_channels(page.athlete_id):
        if status.id == channel_id:
            return status
    raise NotFoundError(f"no push channel {channel_id}")


def _channel_id(page: Page) -> int:
    return int(page.request.path_params["channel_id"])


# ------------------------------------------------------------ handlers


def caldav_add(page: Page) -> Response:
    password = page.form.pop("password", "")
    try:
        for name in CALDAV_FIELDS:
            given = password if name == "password" else page.form.get(name, "").strip()
            if not given:
                raise FieldError(name, "Fill this in.")
        channel = page.api.add_caldav_channel(
            page.athlete_id,
            page.form["url"].strip(),
            page.form["username"].strip(),
            password,
            page.form.get("calendar", "").strip() or None,
        )
    except FieldError as error:
        return connections(page, status=400, caldav_errors={error.field_name: error.message})
    except SyncsvcError as error:
        field = "password" if isinstance(error, ChannelAuthError) else "url"
        return connections(page, status=400, caldav_errors={field: _sentence(error.message)})
    return page.redirect(
        "connections",
        f"Added the calendar at {where_of(channel.target)}. Choose Sync now to put your "
        "sessions in it (the service also pushes each change to the plan).",
    )


def garmin_add(page: Page) -> Response:
    channel = page.api.add_garmin_channel(page.athlete_id)
    return page.redirect(
        "connections",
        f"Your sessions will go to the {LABELS[ChannelKind(channel.kind)]} calendar and your "
        "watch. Choose Sync now to put the next 14 days there.",
    )


def sync_now(page: Page) -> Response:
    channel = _channel(page, _channel_id(page))
    result = page.api.push_now(page.athlete_id, channel.id)
    return page.redirect("connections", result_words(result, channel_name(channel)))


def remove(page: Page) -> Response:
    channel = _channel(page, _channel_id(page))
    name = channel_name(channel)
    keep = page.form.get("keep_events") == "yes"
    try:
        removal = page.api.remove_push_channel(page.athlete_id, channel.id, keep_events=keep)
    except NotFoundError:
        raise  # gone meanwhile: the page's 404, not a message on the form
    except SyncsvcError as error:
        return connections(
            page,
            status=400,
            push_error=f"{name} was not removed: {_sentence(error.message)} "
            "Tick “keep events” to remove it anyway.",
        )
    if removal.kept_remote:
        return page.redirect("connections", f"Removed {name}; what it holds stays there.")
    held = "workouts" if channel.kind == ChannelKind.GARMIN else "events"
    return page.redirect(
        "connections", f"Removed {name} and the {removal.removed_remote} {held} it held."
    )


def _sentence(words: str) -> str:
    text = words[:1].upper() + words[1:]
    return text if text.endswith(".") else text + "."


def push_routes(api: AppApi) -> list[Route]:
    def post(path: str, handler: Handler, name: str) -> Route:
        return Route(path, endpoint(api, handler), methods=["POST"], name=name)

    return [
        post("/connections/push/caldav", caldav_add, "push_add_caldav"),
        post("/connections/push/garmin", garmin_add, "push_add_garmin"),
        post("/connections/push/{channel_id:int}/sync", sync_now, "push_sync"),
        post("/connections/push/{channel_id:int}/remove", remove, "push_remove"),
    ]

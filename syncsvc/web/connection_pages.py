"""Connections: Strava (OAuth through our callback), Garmin (with MFA), uploads, plan sources.

The Strava callback is the installation's one OAuth callback: the `state` it
receives must be one we issued, unused, unexpired, and issued to the user who
is signed in. Joining (`web.signup`) reuses it with purpose "signup"
(`joining_pages.finish_signup`), for a visitor not signed in yet.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from syncsvc.api.web_access import web_base_url
from syncsvc.domain import Source
from syncsvc.errors import SyncsvcError, UsageError
from syncsvc.web.app_api import AppApi
from syncsvc.web.connections_view import UPLOAD_SUFFIXES, connections
from syncsvc.web.garmin_login import GarminLogins, LoginStep
from syncsvc.web.joining_pages import SIGNUP, finish_signup
from syncsvc.web.pages import Handler, Page, endpoint
from syncsvc.web.push_pages import push_routes

STRAVA = "strava"
CONNECT = "connect"
UPLOAD_PATH = "/connections/upload"


def strava_start(page: Page) -> Response:
    if not page.settings.strava.client_id:
        raise UsageError(
            "Strava is not set up on this server",
            hint="the server's owner sets strava.client_id and strava.client_secret",
        )
    assert page.session is not None
    state = page.api.put_oauth_state(STRAVA, CONNECT, page.session.user.id)
    redirect_uri = web_base_url(page.settings) + page.url("strava_callback")
    return RedirectResponse(page.api.strava_authorization_url(redirect_uri, state), 303)


def strava_callback(page: Page) -> Response:
    """Our one Strava callback: the state's purpose says whether a runner connects or joins."""
    query = page.request.query_params
    state = page.api.take_oauth_state(query.get("state", ""), STRAVA)
    if state is not None and state.purpose == SIGNUP:
        return finish_signup(page)
    if page.session is None:
        return RedirectResponse(page.url("signin"), status_code=303)
    athlete_id = page.athlete_id  # the one access check: a connection is the runner's own
    if state is None or state.purpose != CONNECT or state.user_id != page.session.user.id:
        return connections(
            page,
            status=400,
            strava_error="That Strava answer did not match a request from this page "
            "(or it came too late). Choose Connect again.",
        )
    if query.get("error") or not query.get("code"):
        return connections(
            page,
            status=400,
            strava_error="Strava was not connected: the permission was not given.",
        )
    warning = page.api.connect_strava(athlete_id, query["code"], query.get("scope", ""))
    said = ["Strava is connected."]
    if warning:
        said.append(warning[:1].upper() + warning[1:] + ".")
    try:
        result = page.api.sync(athlete_id, Source.STRAVA)
        said.append(_sync_words(result.summary()))
    except SyncsvcError as error:
        said.append(f"The first sync did not finish: {error.one_line()}")
    return page.redirect("connections", " ".join(said))


def _sync_words(summary: dict[str, Any]) -> str:
    parts = []
    for sync in summary["syncs"]:
        parts.append(
            f"{sync['source'].title()}: {sync.get('new', 0)} new, "
            f"{sync.get('updated', 0)} updated activities."
        )
    moved = summary["moved"]
    parts.append(f"Replanned: {len(moved)} session(s) moved." if moved else "Plan is up to date.")
    return "First sync done. " + " ".join(parts)


def strava_disconnect(page: Page) -> Response:
    """After the page that offers the download: what a verified deauthorisation removes."""
    removed = page.api.leave_strava(page.athlete_id)
    return page.redirect(
        "connections",
        f"Strava is disconnected: its tokens and {removed} Strava activities were removed.",
    )


def garmin_pages(logins: GarminLogins) -> tuple[Handler, Handler]:
    """Log in to Garmin Connect (email, password, then the MFA code if asked).

    With `push=1` in the form (the push channels' Garmin form) the login also
    adds the Garmin push channel on that account, in the same login thread.
    """

    def start(page: Page) -> Response:
        email = page.form.get("email", "").strip()
        password = page.form.pop("password", "")
        push = page.form.get("push") == "1"
        if not email or not password:
            return _garmin_failed(page, push, "Give your Garmin email and password.")
        athlete_id = page.athlete_id
        connect = page.api.connect_garmin_and_push if push else page.api.connect_garmin
        step = logins.start(athlete_id, lambda ask: connect(athlete_id, email, password, ask))
        return _garmin_step(page, step, push)

    def code(page: Page) -> Response:
        step = logins.give_code(page.athlete_id, page.form.get("code", "").strip())
        return _garmin_step(page, step, page.form.get("push") == "1")

    return start, code


def _garmin_step(page: Page, step: LoginStep, push: bool) -> Response:
    error = step.error
    if step.needs_code:
        return connections(page, garmin_mfa="push" if push else "source")
    if error is not None:
        words = error.one_line() if isinstance(error, SyncsvcError) else str(error)
        return _garmin_failed(page, push, f"Garmin was not connected: {words}")
    if push:
        return page.redirect(
            "connections",
            "Garmin is connected (only its tokens are kept) and your sessions will go to its "
            "calendar and your watch. Choose Sync now to put the next 14 days there.",
        )
    return page.redirect("connections", "Garmin is connected. Only its tokens are kept.")


def _garmin_failed(page: Page, push: bool, words: str) -> Response:
    if push:
        return connections(page, status=400, push_garmin_error=words)
    return connections(page, status=400, garmin_error=words)


def garmin_disconnect(page: Page) -> Response:
    page.api.disconnect_garmin(page.athlete_id)
    return page.redirect("connections", "Garmin is disconnected; its tokens were removed.")


def upload(page: Page) -> Response:
    sent = page.files.get("file")
    if sent is None or not sent.filename:
        return connections(page, status=400, upload_error="Choose a file to upload.")
    name = sent.filename.lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        return connections(
            page,
            status=400,
            upload_error=f"{sent.filename}: upload a FIT, GPX or TCX file or a bulk-export zip.",
        )
    report, replanned = page.api.import_upload(page.athlete_id, sent.filename, sent.file)
    said = (
        f"{sent.filename}: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    for problem, why in report.damaged[:3]:
        said += f" Could not read {problem}: {why}."
    if replanned:
        said += f" {replanned}"
    return page.redirect("connections", said)


def plan_source_add(page: Page) -> Response:
    try:
        said = page.api.add_plan_source(
            page.athlete_id, page.form.get("location", ""), page.form.get("name") or None
        )
    except SyncsvcError as error:
        return connections(page, status=400, source_error=error.one_line())
    return page.redirect("connections", said)


def plan_source_remove(page: Page) -> Response:
    said = page.api.remove_plan_source(page.athlete_id, page.form.get("which", ""))
    return page.redirect("connections", said)


def connection_routes(api: AppApi) -> list[Route]:
    garmin_start, garmin_code = garmin_pages(GarminLogins())
    upload_limit = api.settings.web.upload_max_mb * (1 << 20)

    def post(path: str, handler: Handler, name: str, max_body_bytes: int = 1 << 20) -> Route:
        return Route(
            path,
            endpoint(api, handler, max_body_bytes=max_body_bytes),
            methods=["POST"],
            name=name,
        )

    return [
        Route("/connections", endpoint(api, connections), methods=["GET"], name="connections"),
        post("/connections/strava", strava_start, "strava_connect"),
        Route(
            "/oauth/strava/callback",
            endpoint(api, strava_callback, signed_in=False),
            methods=["GET"],
            name="strava_callback",
        ),
        post("/connections/strava/disconnect", strava_disconnect, "strava_disconnect"),
        post("/connections/garmin", garmin_start, "garmin_connect"),
        post("/connections/garmin/code", garmin_code, "garmin_code"),
        post("/connections/garmin/disconnect", garmin_disconnect, "garmin_disconnect"),
        post(UPLOAD_PATH, upload, "upload", max_body_bytes=upload_limit),
        post("/connections/plan-sources", plan_source_add, "plan_source_add"),
        post("/connections/plan-sources/remove", plan_source_remove, "plan_source_remove"),
        *push_routes(api),
    ]

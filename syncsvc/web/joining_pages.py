"""Joining with "Sign in with Strava", the first-run page, and leaving Strava with one's data.

Joining goes through the installation's one Strava callback
(`connection_pages.strava_callback`), which hands a `state` of purpose
"signup" to `finish_signup`. Nothing here decides who may join: the API does
(`Syncsvc.join_with_strava`), and a refusal comes back as `SignupRefused`
with its reason, which picks the page's words.
"""

from __future__ import annotations

import json

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from syncsvc.api.signup import WHY_SCOPE, Refusal, SignupRefused
from syncsvc.api.web_access import web_base_url
from syncsvc.errors import NotFoundError
from syncsvc.web.account_pages import profile, profile_post, session_response
from syncsvc.web.app_api import AppApi
from syncsvc.web.pages import Handler, Page, endpoint

STRAVA = "strava"
SIGNUP = "signup"
WELCOME_KEYS = ("timezone", "sex", "hr_rest", "hr_max", "long_run_days", "hard_days", "level")
"""What the first-run page asks: the profile keys the plan and the load model lean on most."""
REFUSED_STATUS = {
    Refusal.CLOSED: 404,
    Refusal.SCOPE: 400,
    Refusal.FULL: 403,
    Refusal.CLUB: 403,
    Refusal.APP_LIMIT: 503,
}


def signup_start(page: Page) -> Response:
    """Send the visitor to Strava's consent page with a `state` of purpose "signup"."""
    if page.settings.web.signup != "strava" or not page.api.app.strava_configured:
        raise NotFoundError("joining is not open on this server")
    state = page.api.put_oauth_state(STRAVA, SIGNUP, None)
    redirect_uri = web_base_url(page.settings) + page.url("strava_callback")
    return RedirectResponse(page.api.strava_authorization_url(redirect_uri, state), 303)


def finish_signup(page: Page) -> Response:
    """Strava's redirect back for a visitor joining (its state already taken)."""
    query = page.request.query_params
    if query.get("error") or not query.get("code"):
        return refused(page, "You chose not to connect Strava: nothing was stored.", status=400)
    try:
        joined = page.api.join_with_strava(query["code"], query.get("scope", ""))
    except SignupRefused as error:
        return refused(page, error.message, error=error)
    if joined.created:
        page.api.start_backfill(joined.athlete.id)
    return session_response(page, joined.opened, page.url("welcome" if joined.created else "today"))


def refused(
    page: Page, message: str, *, error: SignupRefused | None = None, status: int = 400
) -> Response:
    reason = error.reason.value if error is not None else ""
    missing = [(scope, WHY_SCOPE[scope]) for scope in error.missing] if error else []
    return page.render(
        "join_refused.html",
        status=REFUSED_STATUS[error.reason] if error is not None else status,
        message=message,
        hint=error.hint if error is not None else "",
        reason=reason,
        missing=missing,
        can_retry=page.settings.web.signup == "strava",
    )


def welcome(page: Page) -> Response:
    history = page.api.history_progress(page.athlete_id)
    return profile(
        page, template="welcome.html", keys=WELCOME_KEYS, history=history, history_quiet=True
    )


def welcome_post(page: Page) -> Response:
    return profile_post(page, template="welcome.html", keys=WELCOME_KEYS, then="today")


def history_progress(page: Page) -> Response:
    """The progress line alone, for htmx to poll.

    Once the history is read, Today and Plan reload to show the plan
    (`?reload=1`); the first-run page only drops the line, keeping what the
    runner is typing.
    """
    reload = page.request.query_params.get("reload") == "1"
    progress = page.api.history_progress(page.athlete_id)
    response = page.render("_history_progress.html", history=progress, history_quiet=not reload)
    if progress is None and reload:
        response.headers["hx-refresh"] = "true"
    return response


def strava_leave(page: Page) -> Response:
    """Before disconnecting: the offer to download everything first."""
    return page.render("strava_leave.html")


def export_download(page: Page) -> Response:
    """Everything stored about the athlete, as `syncsvc athlete export` writes it."""
    data = page.api.export(page.athlete_id)
    name = data["athlete"]["name"]
    return Response(
        json.dumps(data, indent=2, sort_keys=True),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="syncsvc-{name}.json"'},
    )


def joining_routes(api: AppApi) -> list[Route]:
    def get(path: str, handler: Handler, name: str, *, signed_in: bool = True) -> Route:
        return Route(path, endpoint(api, handler, signed_in=signed_in), methods=["GET"], name=name)

    return [
        Route(
            "/signup/strava",
            endpoint(api, signup_start, signed_in=False),
            methods=["POST"],
            name="signup_strava",
        ),
        get("/welcome", welcome, "welcome"),
        Route("/welcome", endpoint(api, welcome_post), methods=["POST"], name="welcome_post"),
        get("/history/progress", history_progress, "history_progress"),
        get("/connections/strava/disconnect", strava_leave, "strava_leave"),
        get("/account/export.json", export_download, "export_download"),
    ]

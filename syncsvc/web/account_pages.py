"""Signing in and out, the calendar subscription, and the profile."""

from __future__ import annotations

import io
from collections.abc import Sequence
from urllib.parse import quote

import segno
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from syncsvc.errors import UsageError
from syncsvc.store.web_access import ADMIN_ROLE, COACH_ROLE, OpenedSession
from syncsvc.web import security
from syncsvc.web.app_api import AppApi, ProfileValueError
from syncsvc.web.pages import Page, endpoint

GOOGLE_ADD_BY_URL = "https://calendar.google.com/calendar/r?cid="


def signin(page: Page, *, token: str | None = None, message: str | None = None) -> Response:
    user = None if page.session is None else page.session.user
    if user is not None and token is None and message is None:
        if user.athlete_id is not None:
            return RedirectResponse(page.url("today"), status_code=303)
        if user.role in (COACH_ROLE, ADMIN_ROLE):  # staff without a plan: the squad
            return RedirectResponse(page.url("coach"), status_code=303)
    pre_session = page.pre_session or security.new_pre_session_token()
    page.pre_session = pre_session
    response = page.render(
        "signin.html",
        status=400 if message else 200,
        token=token,
        message=message,
        link_minutes=page.settings.web.link_minutes,
    )
    security.set_cookie(
        response, page.settings, security.PRE_SESSION_COOKIE, pre_session, max_age=3600
    )
    return response


def signin_link(page: Page) -> Response:
    """The link's page: one button, so a link preview in a chat app does not use it up."""
    return signin(page, token=page.request.path_params["token"])


def signin_post(page: Page) -> Response:
    try:
        opened = page.api.sign_in(page.form.get("token", ""))
    except UsageError as error:
        return signin(page, message=error.message)
    return session_response(page, opened, page.url("today"))


def session_response(page: Page, opened: OpenedSession, target: str) -> Response:
    """303 to `target` with the new session's cookie (a link's, or a Strava sign-in's)."""
    response = RedirectResponse(target, status_code=303)
    lifetime_s = int(page.settings.web.session_days * 86400)
    security.set_cookie(
        response, page.settings, security.SESSION_COOKIE, opened.token, max_age=lifetime_s
    )
    security.clear_cookie(response, page.settings, security.PRE_SESSION_COOKIE)
    return response


def signout(page: Page) -> Response:
    token = page.request.cookies.get(security.SESSION_COOKIE)
    if token:
        page.api.sign_out(token)
    response = RedirectResponse(page.url("signin"), status_code=303)
    security.clear_cookie(response, page.settings, security.SESSION_COOKIE)
    return response


def signout_everywhere(page: Page) -> Response:
    page.api.sign_out_everywhere(page.athlete_id)
    response = RedirectResponse(page.url("signin"), status_code=303)
    security.clear_cookie(response, page.settings, security.SESSION_COOKIE)
    return response


def calendar(page: Page) -> Response:
    address = page.api.feed_address(page.athlete_id)
    google = GOOGLE_ADD_BY_URL + quote(address.webcal, safe="")
    return page.render("calendar.html", address=address, google=google)


def calendar_qr(page: Page) -> Response:
    """The feed's webcal:// address as a QR code (SVG), for the phone's camera."""
    address = page.api.feed_address(page.athlete_id)
    buffer = io.BytesIO()
    segno.make(address.webcal, error="m").save(
        buffer, kind="svg", scale=6, border=4, dark="#000", light="#fff", xmldecl=False
    )
    return Response(
        buffer.getvalue(), media_type="image/svg+xml", headers={"cache-control": "no-store"}
    )


def rotate(page: Page) -> Response:
    page.api.rotate_feed(page.athlete_id)
    return page.redirect(
        "calendar",
        "New address made; the old one stopped working. Subscribe again with the new one.",
    )


def profile(
    page: Page,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    template: str = "profile.html",
    keys: Sequence[str] | None = None,
    **context: object,
) -> Response:
    """The profile form: every key, or `keys` only (the first-run page's)."""
    rows = [row for row in page.api.profile_rows(page.athlete_id) if keys is None or row[0] in keys]
    shown = {key: page.form.get(key, value) for key, value, _ in rows}
    return page.render(
        template, status=status, rows=rows, shown=shown, errors=errors or {}, **context
    )


def profile_post(
    page: Page,
    *,
    template: str = "profile.html",
    keys: Sequence[str] | None = None,
    then: str = "profile",
) -> Response:
    known = [key for key, _, _ in page.api.profile_rows(page.athlete_id)]
    values = {
        key: page.form.get(key, "").strip()
        for key in known
        if key in page.form and (keys is None or key in keys)
    }
    try:
        said = page.api.update_profile(page.athlete_id, values)
    except ProfileValueError as error:
        return profile(
            page, errors={error.key: error.message}, status=400, template=template, keys=keys
        )
    return page.redirect(then, said)


def account_routes(api: AppApi) -> list[Route]:
    return [
        Route("/signin", endpoint(api, signin, signed_in=False), methods=["GET"], name="signin"),
        Route(
            "/signin/{token}",
            endpoint(api, signin_link, signed_in=False),
            methods=["GET"],
            name="signin_link",
        ),
        Route(
            "/signin",
            endpoint(api, signin_post, signed_in=False),
            methods=["POST"],
            name="signin_post",
        ),
        Route("/signout", endpoint(api, signout), methods=["POST"], name="signout"),
        Route(
            "/signout/everywhere",
            endpoint(api, signout_everywhere),
            methods=["POST"],
            name="signout_everywhere",
        ),
        Route("/calendar", endpoint(api, calendar), methods=["GET"], name="calendar"),
        Route("/calendar/qr.svg", endpoint(api, calendar_qr), methods=["GET"], name="calendar_qr"),
        Route("/calendar/rotate", endpoint(api, rotate), methods=["POST"], name="rotate"),
        Route("/profile", endpoint(api, profile), methods=["GET"], name="profile"),
        Route("/profile", endpoint(api, profile_post), methods=["POST"], name="profile_post"),
    ]

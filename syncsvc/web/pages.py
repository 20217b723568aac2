"""What every page handler shares: the signed-in athlete, the form, rendering and errors.

A handler is a plain function `Page -> Response`, run in a worker thread (the
API is synchronous). `endpoint` wraps it: it finds the session from the
cookie, checks the CSRF token of every POST, turns a `SyncsvcError` into a
message on the page and anything else into a short apology (the traceback
goes to the log only), and adds the security headers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from syncsvc.config import Settings
from syncsvc.domain import Actor
from syncsvc.errors import NotFoundError, SyncsvcError, UsageError
from syncsvc.store.web_access import WebSession, WebUser
from syncsvc.web import security
from syncsvc.web.app_api import AppApi
from syncsvc.web.render import render_template

log = logging.getLogger(__name__)

Handler = Callable[["Page"], Response]
NAV = (
    ("today", "Today"),
    ("plan", "Plan"),
    ("load", "Load"),
    ("checkin", "Check-in"),
    ("connections", "Connections"),
    ("calendar", "Calendar"),
    ("profile", "Profile"),
)
STAFF_NAV = (("coach", "Squad"), ("admin", "Admin"))


ATHLETE_PARAM = "athlete"
"""The query parameter naming the athlete a coach or an admin acts on (`?athlete=ID`)."""
COACH_ROUTES = frozenset(
    {"today", "plan", "move_form", "move", "pin", "unpin", "skip", "reset", "add", "done"}
    | {"load", "checkin"}
)
"""The runner's pages a coach may open for an athlete: the plan and its decisions, the
load, the latest check-in. The feed address, the accounts and the profile stay the
runner's own."""
_NOT_ATHLETE_PAGES = ("web_static", "signin", "signout", "coach", "admin")
"""Route names (prefixes) that never act on an athlete: no `?athlete=` on their URLs."""


class NotForCoach(UsageError):
    """A page of the runner's own that a coach or an admin may not open for them."""


class StaffHome(Exception):
    """A coach or an admin without an athlete of their own asked for a runner's page."""


@dataclass(frozen=True, slots=True)
class Acting:
    """The athlete this request acts on, and who acts (None: the runner themselves)."""

    athlete_id: int
    actor: Actor | None
    athlete_name: str = ""


@dataclass
class Page:
    request: Request
    api: AppApi
    session: WebSession | None
    form: dict[str, str] = field(default_factory=dict)
    form_lists: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadFile] = field(default_factory=dict)
    flash: str | None = None
    pre_session: str | None = None
    _acting: Acting | None = None

    @property
    def acting(self) -> Acting:
        """The athlete this request acts on: the user's own, or (`?athlete=ID`) one they
        may see. Every page reaches its athlete through this one check; an athlete the
        user may not see is not found, like an id that does not exist."""
        if self._acting is None:
            self._acting = self._resolve_acting()
        return self._acting

    def _resolve_acting(self) -> Acting:
        if self.session is None:
            raise NotFoundError("sign in first")
        user = self.session.user
        asked = self.request.query_params.get(ATHLETE_PARAM)
        if asked is None or asked == str(user.athlete_id):
            if user.athlete_id is None:
                raise StaffHome
            return Acting(user.athlete_id, None)
        if not asked.isdigit():
            raise NotFoundError("no such athlete")
        name, actor = self.api.check_access(user, int(asked))
        if actor is not None and self.route_name not in COACH_ROUTES:
            raise NotForCoach("This page is the runner's own: open it from their account.")
        return Acting(int(asked), actor, name)

    @property
    def athlete_id(self) -> int:
        return self.acting.athlete_id

    @property
    def actor(self) -> Actor | None:
        return self.acting.actor

    @property
    def user(self) -> WebUser:
        if self.session is None:
            raise NotFoundError("sign in first")
        return self.session.user

    @property
    def route_name(self) -> str:
        route = self.request.scope.get("route")
        return str(getattr(route, "name", "") or "")

    @property
    def viewing_other(self) -> bool:
        """A coach or an admin is looking at an athlete's pages."""
        return self._acting is not None and self._acting.actor is not None

    @property
    def settings(self) -> Settings:
        return self.api.settings

    def url(self, name: str, **params: Any) -> str:
        """A route's URL; while acting for an athlete, the runner's pages keep `?athlete=`."""
        path = str(self.request.app.url_path_for(name, **params))
        if self.viewing_other and not name.startswith(_NOT_ATHLETE_PAGES):
            return f"{path}?{ATHLETE_PARAM}={self.athlete_id}"
        return path

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        values = {
            "page": self,
            "url": self.url,
            "csrf": self.csrf_token,
            "nav": self.nav,
            "path": self.current_path,
            "flash": self.flash,
            "errors": {},
            "values": self.form,
            **context,
        }
        return HTMLResponse(render_template(template, values), status_code=status)

    @property
    def nav(self) -> tuple[tuple[str, str], ...]:
        if self.session is None:
            return ()
        user = self.session.user
        staff = tuple(
            item
            for item in STAFF_NAV
            if user.role == "admin" or (item[0] == "coach" and user.role == "coach")
        )
        if self.viewing_other:
            return (*staff, *(item for item in NAV if item[0] in COACH_ROUTES))
        return (*(NAV if user.athlete_id is not None else ()), *staff)

    @property
    def current_path(self) -> str:
        """The path as `url()` builds it, so the nav marks the page it is on."""
        if self.viewing_other:
            return f"{self.request.url.path}?{ATHLETE_PARAM}={self.athlete_id}"
        return self.request.url.path

    @property
    def csrf_token(self) -> str:
        if self.session is not None:
            return self.session.csrf_token
        return self.pre_session or ""

    def redirect(self, name: str, message: str | None = None, **params: Any) -> Response:
        """303 to a named page after a POST, with a one-time message for it."""
        response = RedirectResponse(self.url(name, **params), status_code=303)
        if message and self.session is not None:
            security.set_cookie(
                response,
                self.api.settings,
                security.FLASH_COOKIE,
                security.sign_flash(self.session.csrf_token, message),
                max_age=60,
            )
        return response

    def int_field(self, name: str, *, required: bool = True) -> int | None:
        """A whole number from the form; a ValueError names the field for the form to show."""
        text = self.form.get(name, "").strip()
        if not text:
            if required:
                raise FieldError(name, "Give a number.")
            return None
        try:
            return int(text)
        except ValueError:
            raise FieldError(name, f"{text!r} is not a whole number.") from None


class FieldError(Exception):
    """Bad input in one form field: the form is shown again with the message beside it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


def _status_of(error: SyncsvcError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, NotForCoach):
        return 403
    return 400 if error.exit_code == 2 else 502


def error_page(page: Page, message: str, status: int) -> HTMLResponse:
    return page.render("error.html", status=status, message=message)


def endpoint(
    api: AppApi,
    handler: Handler,
    *,
    signed_in: bool = True,
    max_body_bytes: int = 1 << 20,
) -> Callable[[Request], Awaitable[Response]]:
    """The ASGI side of one handler: session, CSRF, form, errors, headers."""

    async def run(request: Request) -> Response:
        page = Page(request, api, None)
        try:
            response = await _run(page, request)
        except StaffHome:
            response = RedirectResponse(page.url("coach"), status_code=303)
        except SyncsvcError as error:
            response = error_page(page, error.one_line(), _status_of(error))
        except Exception:
            log.exception("web page %s failed", request.url.path)
            response = error_page(
                page, "Something went wrong on our side. Try again in a moment.", 500
            )
        finally:
            for upload in page.files.values():
                await upload.close()
        if request.headers.get("hx-request") and request.method == "GET":
            response.headers["hx-push-url"] = request.url.path + (
                f"?{request.url.query}" if request.url.query else ""
            )
        return security.add_security_headers(response)

    async def _run(page: Page, request: Request) -> Response:
        token = request.cookies.get(security.SESSION_COOKIE)
        if token:
            page.session = await run_in_threadpool(api.session, token)
        page.pre_session = request.cookies.get(security.PRE_SESSION_COOKIE)
        if signed_in and (page.session is None or not _may_sign_in(page.session)):
            return RedirectResponse(page.url("signin"), status_code=303)
        if signed_in and ATHLETE_PARAM in request.query_params:
            await run_in_threadpool(lambda: page.acting)  # the access check, before any handler
        if page.session is not None:
            page.flash = security.read_flash(
                page.session.csrf_token, request.cookies.get(security.FLASH_COOKIE)
            )
        if request.method == "POST":
            length = int(request.headers.get("content-length") or 0)
            if length > max_body_bytes:
                limit_mb = max_body_bytes // (1 << 20)
                return error_page(page, f"That is too large: at most {limit_mb} MB.", 413)
            await _read_form(page, request)
            given = security.submitted_csrf(request, page.form.get(security.CSRF_FIELD))
            if not security.csrf_matches(page.csrf_token, given):
                return error_page(
                    page,
                    "This form has expired or did not come from this page. "
                    "Reload the page and try again.",
                    403,
                )
        response = await run_in_threadpool(handler, page)
        if page.flash is not None:
            security.clear_cookie(response, api.settings, security.FLASH_COOKIE)
        return response

    return run


def _may_sign_in(session: WebSession) -> bool:
    """A runner with their athlete, or a coach or an admin (with or without one)."""
    return session.user.athlete_id is not None or session.user.role in ("coach", "admin")


async def _read_form(page: Page, request: Request) -> None:
    form = await request.form(max_files=1, max_fields=200)
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            page.files[key] = value
        else:
            page.form_lists.setdefault(key, []).append(value)
            page.form.setdefault(key, value)


def field_errors(error: FieldError | SyncsvcError, field_name: str) -> Mapping[str, str]:
    if isinstance(error, FieldError):
        return {error.field_name: error.message}
    return {field_name: error.one_line()}

"""The admin's page: coaches, who coaches whom, and promoting or demoting a user.

A new coach's sign-in link is shown once, on the page that answers the form (never
in a redirect's cookie), for the admin to hand over as `syncsvc web link` would.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.api.coaching import require_admin
from syncsvc.api.web_access import SignInLink
from syncsvc.errors import NotFoundError, UsageError
from syncsvc.web.app_api import AppApi
from syncsvc.web.pages import Handler, Page, endpoint

ROLE_CHOICES = ("coach", "admin", "athlete")


def admin(
    page: Page,
    *,
    new_link: SignInLink | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = page.api.admin_view(page.user)
    return page.render(
        "admin.html",
        status=status,
        view=view,
        new_link=new_link,
        errors=errors or {},
        roles=ROLE_CHOICES,
        link_minutes=page.settings.web.link_minutes,
    )


def create_coach(page: Page) -> Response:
    require_admin(page.user)
    try:
        made = page.api.create_coach(page.user, page.form.get("name", ""))
    except UsageError as error:
        return admin(page, errors={"name": error.one_line()}, status=400)
    return admin(page, new_link=made.link)


def coach_link(page: Page) -> Response:
    require_admin(page.user)
    link = page.api.staff_link(page.user, _id(page.request.path_params["user_id"]))
    return admin(page, new_link=link)


def set_role(page: Page) -> Response:
    require_admin(page.user)
    user_id = _id(page.request.path_params["user_id"])
    try:
        said = page.api.set_role(page.user, user_id, page.form.get("role", ""))
    except NotFoundError:
        raise
    except UsageError as error:
        return admin(page, errors={"role": error.one_line()}, status=400)
    return page.redirect("admin", said)


def _assignment(assign: bool) -> Handler:
    def handler(page: Page) -> Response:
        require_admin(page.user)
        coach_id = _id(page.request.path_params["user_id"])
        athlete_id = _id(page.form.get("athlete_id", ""))
        if assign:
            said = page.api.assign(page.user, coach_id, athlete_id)
        else:
            said = page.api.unassign(page.user, coach_id, athlete_id)
        return page.redirect("admin", said)

    return handler


def _id(text: str) -> int:
    """An id from a path or a form; anything else is simply not found."""
    if not text.strip().isdigit():
        raise NotFoundError("not found")
    return int(text)


def admin_routes(api: AppApi) -> list[Route]:
    def post(path: str, handler: Handler, name: str) -> Route:
        return Route(path, endpoint(api, handler), methods=["POST"], name=name)

    return [
        Route("/admin", endpoint(api, _admin_get), methods=["GET"], name="admin"),
        post("/admin/coaches", create_coach, "admin_create_coach"),
        post("/admin/users/{user_id}/link", coach_link, "admin_user_link"),
        post("/admin/users/{user_id}/role", set_role, "admin_set_role"),
        post("/admin/users/{user_id}/assign", _assignment(True), "admin_assign"),
        post("/admin/users/{user_id}/unassign", _assignment(False), "admin_unassign"),
    ]


def _admin_get(page: Page) -> Response:
    return admin(page)

"""Today, the plan, moving a session through the day picker, and the check-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.responses import Response
from starlette.routing import Route

from syncsvc.api.decisions import PlacementRefused
from syncsvc.api.plan_view import SessionView
from syncsvc.domain import SessionStatus
from syncsvc.errors import NotFoundError, SyncsvcError, UsageError
from syncsvc.web.app_api import KINDS, AppApi
from syncsvc.web.pages import FieldError, Handler, Page, endpoint, field_errors

PLAN_WEEKS = 4
LEVELS = range(0, 11)


def today(page: Page) -> Response:
    view, item = page.api.today(page.athlete_id)
    is_today = item is not None and item.session.local_date == view.today
    history = page.api.history_progress(page.athlete_id)
    return page.render("today.html", view=view, item=item, is_today=is_today, history=history)


def plan(page: Page) -> Response:
    view = page.api.plan(page.athlete_id, weeks=PLAN_WEEKS)
    past = [v for v in view.sessions if v.session.local_date < view.today]
    ahead = [v for v in view.sessions if v.session.local_date >= view.today]
    history = page.api.history_progress(page.athlete_id)
    return page.render("plan.html", view=view, past=past, ahead=ahead, kinds=KINDS, history=history)


def move_form(
    page: Page, *, refused: str | None = None, forceable: bool = False, status: int = 200
) -> Response:
    session_id = page.request.path_params["session_id"]
    session = page.api.training_session(page.athlete_id, session_id)
    fits = page.api.day_fits(page.athlete_id, session.id)
    return page.render(
        "move.html",
        status=status,
        session=session,
        fits=fits,
        refused=refused,
        offer_force=forceable,
        chosen=page.form.get("day", ""),
        chosen_day=_iso_day(page.form.get("day", "")),
    )


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def move(page: Page) -> Response:
    session_id = page.request.path_params["session_id"]
    day = page.form.get("day", "").strip()
    time = page.form.get("time", "").strip() or None
    force = page.form.get("force") == "yes"
    if not day:
        return move_form(page, refused="Choose a day.", status=400)
    try:
        outcome = page.api.move(
            page.athlete_id, session_id, day, time, force=force, actor=page.actor
        )
    except UsageError as error:
        forceable = isinstance(error, PlacementRefused)
        return move_form(page, refused=error.message, forceable=forceable, status=400)
    return page.redirect("plan", f"{outcome.message} {outcome.replanned}")


def _decision(action: str) -> Handler:
    def handler(page: Page) -> Response:
        session_id = page.request.path_params["session_id"]
        athlete_id = page.athlete_id
        actor = page.actor
        if action == "pin":
            outcome = page.api.pin(athlete_id, session_id, actor)
        elif action == "unpin":
            outcome = page.api.unpin(athlete_id, session_id, actor)
        elif action == "reset":
            outcome = page.api.reset(athlete_id, session_id, actor)
        else:
            outcome = page.api.skip(athlete_id, session_id, page.form.get("note", ""), actor)
        back = "today" if page.form.get("back") == "today" else "plan"
        return page.redirect(back, f"{outcome.message} {outcome.replanned}")

    return handler


def done(page: Page) -> Response:
    session_id = page.request.path_params["session_id"]
    try:
        rpe = page.int_field("rpe")
        outcome = page.api.done(
            page.athlete_id, session_id, rpe, page.form.get("note", ""), page.actor
        )
    except NotFoundError:
        raise  # another athlete's session is not found, as on every page
    except (FieldError, UsageError) as error:
        view, item = page.api.today(page.athlete_id)
        return page.render(
            "today.html",
            status=400,
            view=view,
            item=item,
            is_today=item is not None and item.session.local_date == view.today,
            errors=field_errors(error, "rpe"),
        )
    return page.redirect("plan", f"{outcome.message} {outcome.replanned}")


def add(page: Page) -> Response:
    form = page.form
    try:
        outcome = page.api.add(
            page.athlete_id,
            form.get("kind", ""),
            form.get("day", ""),
            form.get("time", "").strip() or None,
            force=form.get("force") == "yes",
            actor=page.actor,
        )
    except UsageError as error:
        view = page.api.plan(page.athlete_id, weeks=PLAN_WEEKS)
        return page.render(
            "plan.html",
            status=400,
            view=view,
            past=[v for v in view.sessions if v.session.local_date < view.today],
            ahead=[v for v in view.sessions if v.session.local_date >= view.today],
            kinds=KINDS,
            errors={"add": error.one_line()},
            offer_force=isinstance(error, PlacementRefused),
        )
    return page.redirect("plan", f"{outcome.message} {outcome.replanned}")


@dataclass(frozen=True, slots=True)
class Change:
    """How one session ahead differs after a check-in, in words."""

    when: str
    kind: str
    lines: tuple[str, ...]


def _changes(before: list[SessionView], after: list[SessionView]) -> list[Change]:
    old = {v.session.id: v for v in before}
    changes = []
    for view in after:
        previous = old.get(view.session.id)
        now_items = _exercises(view)
        then_items = _exercises(previous) if previous else {}
        lines = []
        if previous is None:
            lines.append("new in the plan")
        elif previous.session.local_date != view.session.local_date:
            lines.append(f"moved from {previous.session.local_date:%a %d %b}")
        for name, dose in now_items.items():
            if name not in then_items:
                lines.append(f"now {name} ({dose})")
            elif then_items[name] != dose:
                lines.append(f"{name}: {then_items[name]} → {dose}")
        lines.extend(f"no more {name}" for name in then_items if name not in now_items)
        if lines:
            when = f"{view.session.local_date:%a %d %b}"
            changes.append(Change(when, view.session.kind.value, tuple(lines)))
    return changes


def _exercises(view: SessionView) -> dict[str, str]:
    content = view.session.content
    return {item.name: item.dose for item in (content.exercises if content else ())}


def _ahead(page: Page) -> list[SessionView]:
    view = page.api.plan(page.athlete_id, weeks=2, past_days=0)
    return [v for v in view.sessions if v.session.status is SessionStatus.PLANNED]


def checkin_form(page: Page, status: int = 200, **context: object) -> Response:
    return page.render(
        "checkin.html",
        status=status,
        levels=LEVELS,
        exercises=page.api.exercise_names(page.athlete_id),
        latest=page.api.latest_checkin(page.athlete_id),
        **context,
    )


def checkin(page: Page) -> Response:
    sore = page.form_lists.get("sore", [])
    try:
        back = page.int_field("back")
        assert back is not None
        before = _ahead(page)
        outcome = page.api.check_in(page.athlete_id, back, sore, page.form.get("note", ""))
    except (FieldError, SyncsvcError) as error:
        return checkin_form(page, status=400, errors=field_errors(error, "back"))
    changes = _changes(before, _ahead(page))
    return checkin_form(page, outcome=outcome, changes=changes)


def plan_routes(api: AppApi) -> list[Route]:
    def post(path: str, handler: Handler, name: str) -> Route:
        return Route(path, endpoint(api, handler), methods=["POST"], name=name)

    return [
        Route("/", endpoint(api, today), methods=["GET"], name="today"),
        Route("/plan", endpoint(api, plan), methods=["GET"], name="plan"),
        Route(
            "/plan/{session_id}/move",
            endpoint(api, move_form),
            methods=["GET"],
            name="move_form",
        ),
        post("/plan/{session_id}/move", move, "move"),
        post("/plan/{session_id}/done", done, "done"),
        post("/plan/{session_id}/pin", _decision("pin"), "pin"),
        post("/plan/{session_id}/unpin", _decision("unpin"), "unpin"),
        post("/plan/{session_id}/skip", _decision("skip"), "skip"),
        post("/plan/{session_id}/reset", _decision("reset"), "reset"),
        post("/plan/add", add, "add"),
        Route("/checkin", endpoint(api, checkin_form), methods=["GET"], name="checkin"),
        post("/checkin", checkin, "checkin_post"),
    ]

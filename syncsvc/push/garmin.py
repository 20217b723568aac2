"""The Garmin Connect workout calendar as a push channel, through garminconnect 0.3.2.

Each session is a strength workout (see `project.garmin_workout`) scheduled on
its day, so the watch shows it. 0.3.2 has upload, schedule, unschedule and
delete but no update, so the calls are:

- a new session: upload, schedule (2);
- a move: unschedule, schedule (2);
- changed content: delete (which takes its schedule with it), upload, schedule (3);
- a cancellation: unschedule, delete (2).

Only the next `GARMIN_WINDOW_DAYS` days are on the calendar: watches keep a
limited number of scheduled workouts. The account is the one `auth garmin`
connected; its tokens are loaded from the store, refreshed by the library
when due and saved back, and there is never a login here (Garmin throttles
logins): a refused token pauses the channel with "run syncsvc auth garmin".

A crash between an upload and its ledger write would leave a workout nobody
knows; every workout's description starts with `syncsvc:<session id>`, so the
next create of that session (its ledger entry still `pending`) lists the
workouts once and deletes the leftover first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from syncsvc import clock
from syncsvc.config import Settings
from syncsvc.domain import Athlete, Session
from syncsvc.errors import AuthError
from syncsvc.push.model import (
    GARMIN_WINDOW_DAYS,
    ChannelAuthError,
    ChannelKind,
    ChannelUnavailable,
    EntryState,
    Projection,
    RemoteChanges,
    RemoteGone,
)
from syncsvc.push.project import MARKER, garmin_projection
from syncsvc.sources import garmin as garmin_source
from syncsvc.store.database import Store
from syncsvc.store.push import Channel, LedgerEntry

REAUTH = "run syncsvc auth garmin"


class GarminRemote:
    kind = ChannelKind.GARMIN

    def __init__(self, store: Store, settings: Settings, athlete: Athlete, channel: Channel):
        self.store = store
        self.athlete = athlete
        self.channel = channel
        self.reads = 0
        self.writes = 0
        try:
            tokens = garmin_source.load_tokens(store, athlete.id)
            self.session = garmin_source.GarminSession(tokens, settings.garmin)
        except AuthError as error:
            raise ChannelAuthError(error.message, hint=REAUTH) from None

    # ------------------------------------------------------------ plumbing

    def _call(self, what: str, call: Callable[[], Any], *, write: bool) -> Any:
        client = self.session.client
        client.statuses.clear()
        if write:
            self.writes += 1
        else:
            self.reads += 1
        try:
            return call()
        except Exception as error:
            status = client.statuses[-1] if client.statuses else None
            if status == 404:
                raise RemoteGone(what) from None
            if status in (401, 403) or client.refresh_failed:
                raise ChannelAuthError(
                    "Garmin Connect refused the stored session", hint=REAUTH
                ) from None
            if status == 429:
                raise ChannelUnavailable(
                    "Garmin Connect answered 429 (too many requests)",
                    hint="the push backs off and tries again later",
                ) from None
            reason = f"answered {status}" if status else type(error).__name__
            raise ChannelUnavailable(
                f"Garmin Connect failed to {what} ({reason})",
                hint="the next push tries again",
            ) from None

    def _upload_and_schedule(self, projection: Projection, day: date) -> tuple[int, int]:
        garmin = self.session.garmin
        uploaded = self._call(
            "upload a workout", lambda: garmin.upload_workout(projection.payload), write=True
        )
        workout_id = int(uploaded["workoutId"])
        scheduled = self._call(
            "schedule a workout",
            lambda: garmin.schedule_workout(workout_id, day.isoformat()),
            write=True,
        )
        return workout_id, int(scheduled["workoutScheduleId"])

    def _unschedule(self, schedule_id: int) -> None:
        with suppress(RemoteGone):  # gone already: what we wanted
            self._call(
                "unschedule a workout",
                lambda: self.session.garmin.unschedule_workout(schedule_id),
                write=True,
            )

    def _delete_workout(self, workout_id: int) -> None:
        with suppress(RemoteGone):
            self._call(
                "delete a workout",
                lambda: self.session.garmin.delete_workout(workout_id),
                write=True,
            )

    # ------------------------------------------------------------ the channel

    def where(self) -> str:
        return "Garmin Connect"

    def window(self, today: date) -> tuple[date, date | None]:
        return today, today + timedelta(days=GARMIN_WINDOW_DAYS - 1)

    def project(self, session: Session) -> Projection:
        return garmin_projection(session)

    def prepare(self, remote: dict[str, Any]) -> dict[str, Any]:
        return remote

    def changes(self, remote: dict[str, Any], entries: Sequence[LedgerEntry]) -> RemoteChanges:
        """The scheduled workouts of the months the window touches (one call a month)."""
        first = clock.today_in(self.athlete.profile.timezone)
        last = first + timedelta(days=GARMIN_WINDOW_DAYS - 1)
        months = sorted({(first.year, first.month), (last.year, last.month)})
        scheduled: set[str] = set()
        for year, month in months:
            answer = self._month(year, month)
            for item in answer.get("calendarItems", []) if isinstance(answer, dict) else []:
                if item.get("itemType") == "workout" and item.get("id") is not None:
                    scheduled.add(str(item["id"]))
        gone = frozenset(
            e.session_id
            for e in entries
            if e.state == EntryState.PUSHED
            and e.local_date is not None
            and first <= e.local_date <= last
            and e.remote_id not in scheduled
        )
        return RemoteChanges(gone, {}, remote)

    def _month(self, year: int, month: int) -> Any:
        return self._call(
            "list scheduled workouts",
            lambda: self.session.garmin.get_scheduled_workouts(year, month),
            write=False,
        )

    def _leftovers(self, session_id: str) -> list[int]:
        answer = self._call(
            "list workouts", lambda: self.session.garmin.get_workouts(0, 100), write=False
        )
        prefix = f"{MARKER}{session_id} "
        workouts = answer if isinstance(answer, list) else []
        return [
            int(w["workoutId"])
            for w in workouts
            if str(w.get("description") or "").startswith(prefix)
        ]

    def create(
        self, projection: Projection, session: Session, entry: LedgerEntry | None
    ) -> LedgerEntry:
        if entry is not None and entry.state == EntryState.PENDING:
            for workout_id in self._leftovers(session.id):
                self._delete_workout(workout_id)
        workout_id, schedule_id = self._upload_and_schedule(projection, session.local_date)
        return LedgerEntry(
            session.id,
            remote_id=str(schedule_id),
            content_hash=projection.content_hash,
            sequence=session.version,
            local_date=session.local_date,
            extra={"workout_id": workout_id},
            state=EntryState.PUSHED,
            last_result="uploaded and scheduled",
        )

    def update(
        self, projection: Projection, session: Session, entry: LedgerEntry, edited_etag: str
    ) -> LedgerEntry:
        workout_id = int(entry.extra.get("workout_id", 0))
        if entry.state == EntryState.PENDING:
            # A replace or move that never recorded its answer: clear every
            # workout of this session (the old one too), then start afresh.
            for leftover in self._leftovers(session.id):
                self._delete_workout(leftover)
            workout_id, schedule_id = self._upload_and_schedule(projection, session.local_date)
            result = "recovered"
        elif entry.content_hash == projection.content_hash and workout_id:
            self._unschedule(int(entry.remote_id))
            scheduled = self._call(
                "schedule a workout",
                lambda: self.session.garmin.schedule_workout(
                    workout_id, session.local_date.isoformat()
                ),
                write=True,
            )
            schedule_id = int(scheduled["workoutScheduleId"])
            result = "rescheduled"
        else:
            if workout_id:
                self._delete_workout(workout_id)
            workout_id, schedule_id = self._upload_and_schedule(projection, session.local_date)
            result = "replaced"
        return replace(
            entry,
            remote_id=str(schedule_id),
            content_hash=projection.content_hash,
            sequence=max(session.version, entry.sequence + 1),
            local_date=session.local_date,
            extra={"workout_id": workout_id},
            state=EntryState.PUSHED,
            last_result=result,
        )

    def delete(self, entry: LedgerEntry) -> None:
        if entry.remote_id:
            self._unschedule(int(entry.remote_id))
        workout_id = int(entry.extra.get("workout_id", 0))
        if workout_id:
            self._delete_workout(workout_id)

    def saved_secret(self) -> dict[str, Any] | None:
        return None  # the tokens belong to the Garmin source: saved in close()

    def close(self) -> None:
        tokens = self.session.tokens_if_changed()
        if tokens is not None:
            garmin_source.save_tokens(self.store, self.athlete.id, tokens)

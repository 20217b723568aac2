"""Garmin Connect's workout and calendar services faked at the HTTP layer (`responses`).

Where each shape comes from:

- URLs and methods: garminconnect 0.3.2 (`Garmin.upload_workout`,
  `schedule_workout`, `unschedule_workout`, `delete_workout`,
  `get_scheduled_workouts`, `get_workouts`), all under
  https://connectapi.garmin.com; the calendar's month is 0-based in the URL
  (0.3.2 subtracts one).
- Upload answer: the saved workout echoed back with `workoutId`, `ownerId`,
  `createdDate` and `updatedDate` added (what the workout editor receives
  after "Save"; garminconnect returns it as `dict`).
- Schedule answer: `workoutScheduleId`, `workout` and `calendarDate`, the
  object the editor's "Add to calendar" receives; the scheduled id is what
  `unschedule_workout` takes.
- Calendar month: `calendarItems`, each with `id` (the schedule id),
  `itemType` "workout", `workoutId`, `title` and `date` (YYYY-MM-DD), beside
  `startDayOfMonth` and `numOfDaysInMonth`.
- Unschedule and delete answer 204 with no body; an unknown id answers 404.
- Errors: 429 and 5xx with a JSON `message`, as the activity fakes in
  tests/sources/fakes.py do; a revoked token is a 401 whose refresh is refused.

Not verified against a live account from here (no network): the keys above are
the ones our code reads, and nothing else is relied on.
"""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import date
from typing import Any

import responses

API = "https://connectapi.garmin.com"
TOKEN_URL = "https://diauth.garmin.com/di-oauth2-service/oauth/token"
JSON = {"Content-Type": "application/json;charset=UTF-8"}


class FakeGarminCalendar:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.workouts: dict[int, dict[str, Any]] = {}
        self.schedules: dict[int, tuple[int, str]] = {}
        self.next_id = 900_000_001
        self.calls: list[tuple[str, str]] = []
        self.failures: deque[tuple[int, dict[str, Any]]] = deque()
        self.token_valid = True
        self.refresh_calls = 0
        self.logins: list[str] = []
        workout = re.compile(re.escape(API) + r"/workout-service/workout(/\d+)?$")
        schedule = re.compile(re.escape(API) + r"/workout-service/schedule/\d+$")
        calendar = re.compile(re.escape(API) + r"/calendar-service/year/\d+/month/\d+$")
        workouts = re.compile(re.escape(API) + r"/workout-service/workouts.*")
        mock.add_callback(responses.POST, workout, callback=self._upload)
        mock.add_callback(responses.DELETE, workout, callback=self._delete)
        mock.add_callback(responses.POST, schedule, callback=self._schedule)
        mock.add_callback(responses.DELETE, schedule, callback=self._unschedule)
        mock.add_callback(responses.GET, calendar, callback=self._month)
        mock.add_callback(responses.GET, workouts, callback=self._list)
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        # A login would go here: recorded (and refused) so a test can assert there was none.
        mock.add_callback(
            responses.POST, re.compile(r"https://sso\.garmin\.com/.*"), callback=self._login
        )
        mock.add_callback(
            responses.GET, re.compile(r"https://sso\.garmin\.com/.*"), callback=self._login
        )

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def fail_next(self, status: int, message: str = "", *, after: int = 0) -> None:
        """Answer `status` to one request, after letting `after` requests through."""
        for _ in range(after):
            self.failures.append((0, {}))
        self.failures.append((status, {"message": message or f"status {status}"}))

    def _gate(self, request: Any) -> tuple[int, dict[str, str], str] | None:
        method, path = request.method, request.path_url
        self.calls.append((method, path.split("?")[0]))
        if not self.token_valid:
            return 401, JSON, ""
        if self.failures:
            status, body = self.failures.popleft()
            if status:
                return status, JSON, json.dumps(body)
        return None

    def _upload(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        body = json.loads(request.body)
        workout_id = self._id()
        saved = {
            **body,
            "workoutId": workout_id,
            "ownerId": 4242,
            "createdDate": "2026-12-03T06:00:00.0",
            "updatedDate": "2026-12-03T06:00:00.0",
        }
        self.workouts[workout_id] = saved
        return 200, JSON, json.dumps(saved)

    def _delete(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        workout_id = int(request.path_url.rsplit("/", 1)[1])
        if self.workouts.pop(workout_id, None) is None:
            return 404, JSON, json.dumps({"message": "not found"})
        for schedule_id, (held, _day) in list(self.schedules.items()):
            if held == workout_id:  # deleting a workout takes its schedules with it
                del self.schedules[schedule_id]
        return 204, {}, ""

    def _schedule(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        workout_id = int(request.path_url.rsplit("/", 1)[1])
        if workout_id not in self.workouts:
            return 404, JSON, json.dumps({"message": "not found"})
        day = json.loads(request.body)["date"]
        schedule_id = self._id()
        self.schedules[schedule_id] = (workout_id, day)
        answer = {
            "workoutScheduleId": schedule_id,
            "workout": self.workouts[workout_id],
            "calendarDate": day,
            "createdDate": "2026-12-03T06:00:01.0",
            "ownerId": 4242,
        }
        return 200, JSON, json.dumps(answer)

    def _unschedule(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        schedule_id = int(request.path_url.rsplit("/", 1)[1])
        if self.schedules.pop(schedule_id, None) is None:
            return 404, JSON, json.dumps({"message": "not found"})
        return 204, {}, ""

    def _month(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        parts = request.path_url.split("/")
        year, month = int(parts[-3]), int(parts[-1]) + 1
        items = [
            {
                "id": schedule_id,
                "itemType": "workout",
                "workoutId": workout_id,
                "title": self.workouts[workout_id]["workoutName"],
                "date": day,
            }
            for schedule_id, (workout_id, day) in sorted(self.schedules.items())
            if date.fromisoformat(day).year == year and date.fromisoformat(day).month == month
        ]
        answer = {"startDayOfMonth": 1, "numOfDaysInMonth": 31, "calendarItems": items}
        return 200, JSON, json.dumps(answer)

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        failed = self._gate(request)
        if failed:
            return failed
        return 200, JSON, json.dumps(list(self.workouts.values()))

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.refresh_calls += 1
        return 401, JSON, json.dumps({"error": "invalid_grant"})

    def _login(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.logins.append(request.url)
        return 403, JSON, json.dumps({"message": "no logins in tests"})

    def scheduled_days(self) -> dict[str, str]:
        """Workout name -> scheduled day, for what is on the calendar now."""
        return {
            self.workouts[workout_id]["description"].split(" ")[0]: day
            for workout_id, day in self.schedules.values()
        }

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.calls if m in ("POST", "DELETE", "PUT")]

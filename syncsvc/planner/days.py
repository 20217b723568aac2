"""The calendar the rules look at: each day's class and load, and the athlete's limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from syncsvc.domain import DayClass, DayLoad, Profile, wall_clock

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_CLASS_WORDS = {
    DayClass.REST: "rest day",
    DayClass.EASY: "easy day",
    DayClass.MODERATE: "moderate day",
    DayClass.HARD: "hard run",
    DayClass.LONG: "long run",
    DayClass.RACE: "race",
}


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    day_class: DayClass
    load: float
    reason: str
    known: bool
    """False when neither the series nor the declared week says anything about the day."""

    @property
    def name(self) -> str:
        return DAY_NAMES[self.day.weekday()]

    @property
    def what(self) -> str:
        """What the day holds, for reasons: "a rest day", "intervals (hard run)"."""
        words = _CLASS_WORDS[self.day_class]
        detail = self.reason.strip()
        if detail and detail.lower() != words:
            return f"{detail} ({words})"
        return f"a {words}" if self.day_class in (DayClass.REST, DayClass.EASY) else words


class Calendar:
    """Day classes from the load series and forecast, falling back on the declared week."""

    def __init__(self, days: Iterable[DayLoad], profile: Profile, now: datetime, today: date):
        self.profile = profile
        self.today = today
        self._days = {day.day: day for day in days}
        self._cache: dict[date, DayInfo] = {}
        self.local_time: time = wall_clock(now, profile.timezone).time()

    def info(self, day: date) -> DayInfo:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        loaded = self._days.get(day)
        if loaded is not None:
            info = DayInfo(day, loaded.day_class, loaded.load, loaded.reason, True)
        else:
            info = self._declared(day)
        self._cache[day] = info
        return info

    def _declared(self, day: date) -> DayInfo:
        weekday, profile = day.weekday(), self.profile
        declared = [
            (profile.long_run_days, DayClass.LONG, "long run"),
            (profile.hard_days, DayClass.HARD, "hard run"),
            (profile.rest_days, DayClass.REST, "rest day"),
        ]
        for weekdays, day_class, words in declared:
            if weekday in weekdays:
                return DayInfo(day, day_class, 0.0, f"declared {words}", True)
        return DayInfo(day, DayClass.EASY, 0.0, "", False)

    def unavailable(self, day: date) -> bool:
        return (
            day.weekday() in self.profile.unavailable_weekdays
            or day in self.profile.unavailable_dates
        )

    def is_open(self, day: date, start: time) -> bool:
        """A session on `day` at `start` has not started yet (only the future moves)."""
        return day > self.today or (day == self.today and start > self.local_time)

    def demanding(self, day: date) -> bool:
        return self.info(day).day_class.is_demanding

    def week(self, week_start: date) -> list[date]:
        return [week_start + timedelta(days=offset) for offset in range(7)]

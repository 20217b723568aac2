"""Reading and checking athlete profile values as a runner types them.

`profile set KEY VALUE` and `init` options both land here, so a bad value gives
the same one-line error everywhere, naming the field and what it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from syncsvc.domain import WEEKDAY_NAMES, Profile, Sex, StrengthLevel
from syncsvc.errors import UsageError

HR_REST_RANGE = (25, 120)
HR_MAX_RANGE = (100, 240)
HR_THRESHOLD_RANGE = (80, 230)
SESSION_MINUTES_RANGE = (10, 90)
THRESHOLD_PACE_RANGE_S = (150, 600)  # 2:30 to 10:00 per km
CLEAR_WORDS = {"", "none", "null", "-", "unset"}


@dataclass(frozen=True, slots=True)
class ProfileField:
    key: str
    help: str
    parse: Callable[[str], Any]
    render: Callable[[Any], str]


def _bad(key: str, value: str, allowed: str) -> UsageError:
    return UsageError(f"bad value {value!r} for {key}: expected {allowed}")


def parse_timezone(value: str, key: str = "timezone") -> str:
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(
            key, value, "an IANA time zone such as Europe/Berlin or America/New_York"
        ) from None
    if name not in available_timezones() and name != "UTC":
        raise _bad(key, value, "an IANA time zone such as Europe/Berlin or America/New_York")
    return name


def _int_in(key: str, low: int, high: int, *, optional: bool) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        if optional and value.strip().lower() in CLEAR_WORDS:
            return None
        try:
            number = int(value)
        except ValueError:
            raise _bad(key, value, f"a whole number from {low} to {high}") from None
        if not low <= number <= high:
            raise _bad(key, value, f"a whole number from {low} to {high}")
        return number

    return parse


def parse_pace(value: str, key: str = "threshold_pace") -> float | None:
    """Pace per km as M:SS (4:15), or seconds per km."""
    text = value.strip().lower().removesuffix("/km")
    if text in CLEAR_WORDS:
        return None
    match = re.fullmatch(r"(\d{1,2}):([0-5]\d)", text)
    seconds = int(match[1]) * 60 + int(match[2]) if match else None
    if seconds is None and text.isdigit():
        seconds = int(text)
    low, high = THRESHOLD_PACE_RANGE_S
    if seconds is None or not low <= seconds <= high:
        raise _bad(key, value, "a pace per km from 2:30 to 10:00, like 4:15")
    return float(seconds)


def format_pace(seconds_per_km: float) -> str:
    """A pace as runners write it: 4:15/km."""
    minutes, seconds = divmod(round(seconds_per_km), 60)
    return f"{minutes}:{seconds:02d}/km"


def render_pace(seconds: float | None) -> str:
    return "-" if seconds is None else format_pace(seconds)


def parse_time_of_day(value: str, key: str = "session_time") -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise _bad(key, value, "a time HH:MM from 00:00 to 23:59")
    return time(int(match[1]), int(match[2]))


def parse_weekdays(value: str, key: str) -> tuple[int, ...]:
    text = value.strip().lower()
    if text in CLEAR_WORDS:
        return ()
    days: set[int] = set()
    for part in re.split(r"[,\s]+", text):
        name = part[:3]
        if name not in WEEKDAY_NAMES or (len(part) > 3 and not _full_day(part)):
            raise _bad(key, value, "weekdays like mon,wed,fri")
        days.add(WEEKDAY_NAMES.index(name))
    return tuple(sorted(days))


def _full_day(word: str) -> bool:
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return any(day.startswith(word) for day in full)


def render_weekdays(days: tuple[int, ...]) -> str:
    return ",".join(WEEKDAY_NAMES[day] for day in days) or "-"


def parse_dates(value: str, key: str = "unavailable_dates") -> tuple[date, ...]:
    text = value.strip().lower()
    if text in CLEAR_WORDS:
        return ()
    days: set[date] = set()
    for part in re.split(r"[,\s]+", text):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise _bad(key, value, "dates YYYY-MM-DD separated by commas") from None
    return tuple(sorted(days))


def _choice(
    key: str, enum: type[Sex] | type[StrengthLevel], optional: bool
) -> Callable[[str], Any]:
    allowed = [member.value for member in enum]

    def parse(value: str) -> Any:
        text = value.strip().lower()
        if optional and text in CLEAR_WORDS:
            return None
        aliases = {"female": "f", "male": "m", "woman": "f", "man": "m"}
        text = aliases.get(text, text)
        if text not in allowed:
            raise _bad(key, value, " or ".join(allowed))
        return enum(text)

    return parse


def _show(value: Any) -> str:
    if value is None or value == ():
        return "-"
    return str(getattr(value, "value", value))


FIELDS: dict[str, ProfileField] = {
    field.key: field
    for field in (
        ProfileField("timezone", "IANA time zone of the plan", parse_timezone, str),
        ProfileField(
            "hr_rest",
            "resting heart rate, bpm",
            _int_in("hr_rest", *HR_REST_RANGE, optional=True),
            _show,
        ),
        ProfileField(
            "hr_max",
            "maximum heart rate, bpm (estimated from data when unset)",
            _int_in("hr_max", *HR_MAX_RANGE, optional=True),
            _show,
        ),
        ProfileField(
            "hr_threshold",
            "threshold heart rate, bpm (optional)",
            _int_in("hr_threshold", *HR_THRESHOLD_RANGE, optional=True),
            _show,
        ),
        ProfileField(
            "threshold_pace", "threshold pace per km, M:SS (optional)", parse_pace, render_pace
        ),
        ProfileField(
            "sex",
            "f or m, for the heart-rate load weighting (optional)",
            _choice("sex", Sex, True),
            _show,
        ),
        ProfileField(
            "level",
            "strength level: beginner or intermediate",
            _choice("level", StrengthLevel, False),
            _show,
        ),
        ProfileField(
            "session_time",
            "preferred session start, HH:MM",
            parse_time_of_day,
            lambda t: t.strftime("%H:%M"),
        ),
        ProfileField(
            "session_minutes",
            "preferred session length, minutes",
            _int_in("session_minutes", *SESSION_MINUTES_RANGE, optional=False),
            _show,
        ),
        ProfileField(
            "preferred_weekdays",
            "weekdays you prefer for sessions",
            lambda v: parse_weekdays(v, "preferred_weekdays"),
            render_weekdays,
        ),
        ProfileField(
            "unavailable_weekdays",
            "weekdays never available",
            lambda v: parse_weekdays(v, "unavailable_weekdays"),
            render_weekdays,
        ),
        ProfileField(
            "unavailable_dates",
            "dates never available, YYYY-MM-DD,...",
            parse_dates,
            lambda ds: ",".join(d.isoformat() for d in ds) or "-",
        ),
        ProfileField(
            "long_run_days",
            "weekdays of your usual long run",
            lambda v: parse_weekdays(v, "long_run_days"),
            render_weekdays,
        ),
        ProfileField(
            "hard_days",
            "weekdays of your usual hard sessions",
            lambda v: parse_weekdays(v, "hard_days"),
            render_weekdays,
        ),
        ProfileField(
            "rest_days",
            "weekdays you usually do not run",
            lambda v: parse_weekdays(v, "rest_days"),
            render_weekdays,
        ),
    )
}

_ATTRIBUTE = {"threshold_pace": "threshold_pace_s_per_km"}


def profile_value(profile: Profile, key: str) -> Any:
    return getattr(profile, _ATTRIBUTE.get(key, key))


def set_profile_value(profile: Profile, key: str, value: str) -> Profile:
    """A new profile with one field changed, checked alone and with the others."""
    normalised = key.strip().lower().replace("-", "_")
    field = FIELDS.get(normalised)
    if field is None:
        raise UsageError(
            f"unknown profile key {key!r}; keys: {', '.join(FIELDS)}",
        )
    updated = replace(profile, **{_ATTRIBUTE.get(normalised, normalised): field.parse(value)})
    check_profile(updated)
    return updated


def check_profile(profile: Profile) -> None:
    """Cross-field checks: resting below threshold below maximum."""
    rest, threshold, maximum = profile.hr_rest, profile.hr_threshold, profile.hr_max
    if rest is not None and maximum is not None and rest >= maximum:
        raise UsageError(f"hr_rest ({rest}) must be below hr_max ({maximum})")
    if threshold is not None and maximum is not None and threshold > maximum:
        raise UsageError(f"hr_threshold ({threshold}) must not be above hr_max ({maximum})")
    if threshold is not None and rest is not None and threshold <= rest:
        raise UsageError(f"hr_threshold ({threshold}) must be above hr_rest ({rest})")
    if len(set(profile.unavailable_weekdays)) >= 7:
        raise UsageError("unavailable_weekdays cannot be every day of the week")


def profile_rows(profile: Profile) -> list[tuple[str, str, str]]:
    """(key, shown value, help) for `profile show`."""
    return [
        (key, field.render(profile_value(profile, key)), field.help)
        for key, field in FIELDS.items()
    ]

"""Preferences between days that every hard rule allows.

Rest days first, then easy days, then lower forecast load (W4's "lighter running
loads"); the athlete's preferred days; sessions spread across the week; and,
above all, stability: a session already in the calendar keeps its day.
"""

from __future__ import annotations

from datetime import date

from syncsvc.domain import DayClass
from syncsvc.planner.days import Calendar
from syncsvc.planner.settings import PlannerSettings


def day_score(day: date, calendar: Calendar, settings: PlannerSettings, heaviest: float) -> float:
    """How good a day is for a strength session, before stability and spread."""
    info = calendar.info(day)
    score = {
        DayClass.REST: settings.score_rest,
        DayClass.EASY: settings.score_easy,
        DayClass.MODERATE: settings.score_moderate,
    }.get(info.day_class, 0.0)
    if heaviest > 0:
        score -= settings.score_load * info.load / heaviest
    if day.weekday() in calendar.profile.preferred_weekdays:
        score += settings.score_preferred_day
    return score


def spread_penalty(first: date, second: date, settings: PlannerSettings) -> float:
    """Two strength sessions on consecutive days cost a little (spread across the week)."""
    return settings.score_adjacent if abs((first - second).days) == 1 else 0.0

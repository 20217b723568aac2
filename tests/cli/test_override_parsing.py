"""The values a runner types for overrides: dates, times, RPE, session id prefixes."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.api.decisions import check_rpe, parse_clock, parse_day, resolve_session
from syncsvc.domain import Session, SessionKind
from syncsvc.errors import NotFoundError, UsageError

TODAY = date(2026, 11, 23)  # a Monday
ALPHABET = "abcdefghijkmnpqrstuvwxyz234567"


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_clock_time_parses_back_to_itself(hour: int, minute: int) -> None:
    assert parse_clock(f"{hour:02d}:{minute:02d}") == time(hour, minute)


@pytest.mark.parametrize("text", ["24:00", "25:00", "7pm", "12:60", "", "12", "-1:30"])
def test_impossible_times_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="impossible time"):
        parse_clock(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("+3", TODAY + timedelta(days=3)),
        ("mon", TODAY),
        ("thursday", TODAY + timedelta(days=3)),
        ("Sun", TODAY + timedelta(days=6)),
        ("2026-12-01", date(2026, 12, 1)),
    ],
)
def test_days_read_as_a_runner_writes_them(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize("text", ["2026-13-01", "next week", "32/11", "+"])
def test_unreadable_days_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="bad date"):
        parse_day(text, TODAY)


@given(st.integers(-5, 20))
def test_only_rpe_1_to_10_is_accepted(rpe: int) -> None:
    if 1 <= rpe <= 10:
        assert check_rpe(rpe) == rpe
    else:
        with pytest.raises(UsageError):
            check_rpe(rpe)


def _sessions(ids: list[str]) -> list[Session]:
    return [
        Session(
            id=i,
            athlete_id=1,
            kind=SessionKind.CORE,
            local_date=TODAY,
            start_time=time(18),
            minutes=25,
        )
        for i in ids
    ]


@settings(max_examples=100)
@given(
    st.lists(st.text(ALPHABET, min_size=10, max_size=10), min_size=1, max_size=12, unique=True),
    st.integers(1, 10),
)
def test_a_prefix_resolves_exactly_when_one_id_starts_with_it(ids: list[str], size: int) -> None:
    sessions = _sessions(ids)
    prefix = ids[0][:size]
    matching = [i for i in ids if i.startswith(prefix)]
    if len(matching) == 1 or prefix in ids:
        assert resolve_session(sessions, prefix).id == (prefix if prefix in ids else matching[0])
    else:
        with pytest.raises(UsageError, match="ambiguous"):
            resolve_session(sessions, prefix)


def test_an_unknown_id_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no session with id"):
        resolve_session(_sessions(["abcdefghij"]), "zz")

"""Conditional requests: a client's matching copy gets a 304, a stale one the full answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from starlette.datastructures import Headers

from syncsvc.server.conditional import (
    etag_matches,
    is_not_modified,
    not_modified_since,
    quoted_etag,
)

ETAGS = frozenset({'"v7"', '"v7-gzip"'})
CHANGED_AT = datetime(2026, 5, 10, 7, 45, 12, 900_000, tzinfo=UTC)


def conditional(**headers: str) -> bool:
    request_headers = Headers({key.replace("_", "-"): value for key, value in headers.items()})
    return is_not_modified(request_headers, etags=ETAGS, last_modified=CHANGED_AT)


def test_a_matching_etag_is_not_modified() -> None:
    assert conditional(if_none_match='"v7"') is True


def test_a_stale_etag_is_modified() -> None:
    assert conditional(if_none_match='"v6"') is False


@pytest.mark.parametrize("header", ['W/"v7"', '"v1", "v7-gzip"', "*", ' "v6" ,W/"v7" '])
def test_weak_listed_and_star_etags_match(header: str) -> None:
    assert etag_matches(header, ETAGS)


def test_an_unquoted_etag_does_not_match_a_quoted_one() -> None:
    assert not etag_matches("v7", ETAGS)


def test_if_modified_since_reads_whole_seconds() -> None:
    same_second = format_datetime(CHANGED_AT.replace(microsecond=0), usegmt=True)
    second_before = format_datetime(
        CHANGED_AT.replace(microsecond=0) - timedelta(seconds=1), usegmt=True
    )

    assert not_modified_since(same_second, CHANGED_AT)
    assert not not_modified_since(second_before, CHANGED_AT)


@pytest.mark.parametrize("header", ["yesterday", "", "Sun, 99 Foo 2026 99:99:99 GMT"])
def test_an_unreadable_date_is_modified(header: str) -> None:
    assert not not_modified_since(header, CHANGED_AT)


def test_a_date_without_a_zone_is_read_as_utc() -> None:
    assert not_modified_since("Sun, 10 May 2026 07:45:12", CHANGED_AT)


def test_if_none_match_wins_over_if_modified_since() -> None:
    later = format_datetime(CHANGED_AT + timedelta(days=1), usegmt=True)

    assert conditional(if_none_match='"v6"', if_modified_since=later) is False


def test_without_validators_the_answer_is_full() -> None:
    assert conditional() is False


@pytest.mark.parametrize(
    ("etag", "expected"), [("v7", '"v7"'), ('"v7"', '"v7"'), ('W/"v7"', '"v7"')]
)
def test_etags_are_sent_strong_and_quoted(etag: str, expected: str) -> None:
    assert quoted_etag(etag) == expected

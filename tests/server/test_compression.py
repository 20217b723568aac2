"""gzip content coding: read from Accept-Encoding, and stable bytes per body."""

from __future__ import annotations

import gzip

import pytest

from syncsvc.server.compression import accepts_gzip, gzip_bytes, gzip_etag


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        ("*;q=0.1, gzip;q=0", False),
        ("br, *;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_the_same_body_always_gives_the_same_gzip_bytes() -> None:
    body = b"BEGIN:VCALENDAR\r\n" * 200

    first = gzip_bytes(body)

    assert first == gzip_bytes(body)
    assert gzip.decompress(first) == body
    assert len(first) < len(body) // 4


def test_the_gzip_encoding_has_its_own_strong_etag() -> None:
    assert gzip_etag('"abc"') == '"abc-gzip"'

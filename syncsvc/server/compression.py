"""gzip content coding: whether the client takes it, and the compressed bytes.

Compression happens once per feed version (the prepared feed keeps the
bytes), never per request, so level 9 costs nothing at serving time. `mtime=0`
keeps the bytes, and so the gzip ETag, the same for the same body.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

VARY = "Accept-Encoding"
"""The request header a response's encoding depends on (sent as `Vary`)."""


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3, q=0 means no).

    Remembered per header value: calendar apps send a handful of them, at every poll.
    """
    if not accept_encoding:
        return False
    gzip_q: float | None = None
    any_q: float | None = None
    for part in accept_encoding.split(","):
        coding, _, parameters = part.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if coding in ("gzip", "x-gzip"):
            gzip_q = quality
        elif coding == "*":
            any_q = quality
    chosen = gzip_q if gzip_q is not None else any_q
    return chosen is not None and chosen > 0


def gzip_bytes(body: bytes) -> bytes:
    """The body gzip-compressed, the same bytes every time for the same body."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def gzip_etag(quoted: str) -> str:
    """The strong ETag of the gzip encoding of a representation (`"abc"` -> `"abc-gzip"`).

    Each encoding needs its own strong validator (RFC 9110 §8.8.3.3).
    """
    return quoted[:-1] + '-gzip"'

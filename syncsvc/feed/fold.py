"""A calendar's bytes: icalendar's content lines, folded here instead of by icalendar.

Why not `Component.to_ical()` alone: icalendar folds each content line one
character at a time (`icalendar.parser.string._foldline`, encoding every
character to count its octets). A feed of a year's plan is ~150 lines, a
third of them long descriptions, and that loop was most of the time a club's
replan spent rendering feeds (issue 19). `folded` gives the same bytes by
slicing the encoded line at character boundaries. Everything else (which
lines, their order, escaping, parameters) is still icalendar's:
`ical_bytes(calendar) == calendar.to_ical()` for every calendar, which
tests/feed/test_fold.py checks against the library on varied lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import Component

LINE_OCTETS = 74
"""Octets a folded line holds at most, as icalendar writes them (RFC 5545 says up to 75)."""

FOLD = b"\r\n "
_KEPT_WITH_NEXT = b"\\^"
"""Escape characters icalendar never leaves last on a folded line (its issue #1501)."""


def ical_bytes(component: Component) -> bytes:
    """`component.to_ical()`, byte for byte: the same content lines, folded by `folded`."""
    lines = component.content_lines()
    return b"\r\n".join(folded(line) for line in lines if line) + b"\r\n"


def folded(line: str) -> bytes:
    """One content line as UTF-8, folded exactly as icalendar folds it.

    A piece takes as many whole characters as fit in `LINE_OCTETS` octets; a
    piece that would end with a backslash or caret gives it to the next piece.
    """
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return data
    pieces = []
    start = 0
    while len(data) - start > LINE_OCTETS:
        end = start + LINE_OCTETS
        while 0x80 <= data[end] < 0xC0:  # a continuation octet: that character goes on
            end -= 1
        if data[end - 1] in _KEPT_WITH_NEXT:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return FOLD.join(pieces)

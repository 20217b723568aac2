"""Pause Python's cyclic garbage collector while a read builds many objects that hold no cycles.

A batched read turns a club's history into hundreds of thousands of small,
acyclic values (activities, sessions, tuples). Each allocation counts towards a
collection, so the collector keeps running mid-read, and its full passes walk
every object alive, all of which survive: about a quarter of the read's time
(issue 19). Reference counting still frees these values; the collector only
finds cycles, and the read makes none. It is switched back on at the end, and
left alone when it was already off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

"""Keep Python's cyclic garbage collector out of the way of a batch's many long-lived objects.

A batched read turns a club's history into hundreds of thousands of small,
acyclic values (activities, sessions, tuples) that all live until their
batch is replanned. Each allocation counts towards a collection, so the
collector kept running mid-read, and every later pass, during the pandas
work of each athlete, walked those survivors again: about a tenth of
`replan_all` (issue 19). Reference counting still frees all of them; the
collector only finds cycles, and these values make none.

- `collector_paused`: no collection while the read builds them;
- `kept_out_of_collections`: then, while the batch is worked through, the
  objects alive at its start (those values) are left out of every pass
  (`gc.freeze`), and handed back at its end (`gc.unfreeze`). In a process that
  froze its start-up objects for good (`syncsvc serve`), it does nothing:
  `gc.unfreeze` hands back everything frozen, not only what it froze.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collection inside; the collector is switched back on after, unless it was off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def kept_out_of_collections() -> Iterator[None]:
    """Every object alive on entry is left out of the collector's passes until the exit
    (unless this process had frozen objects already: those stay frozen, nothing is added)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()

"""The batched replan keeps the cyclic collector out of its way and always gives it back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from syncsvc.api.gc_pause import collector_paused, kept_out_of_collections


@pytest.fixture
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_an_error_inside_still_turns_the_collector_back_on() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("read failed")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_objects_alive_on_entry_are_frozen_until_the_exit() -> None:
    before = gc.get_freeze_count()
    with kept_out_of_collections():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0


def test_cycles_made_inside_are_still_collected() -> None:
    with kept_out_of_collections():
        gc.collect()
        first, second = Node(), Node()
        first.other, second.other = second, first
        del first, second
        assert gc.collect() >= 2


def test_an_error_inside_still_unfreezes() -> None:
    with pytest.raises(RuntimeError), kept_out_of_collections():
        raise RuntimeError("replan failed")
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_start_up_objects_keeps_them_frozen() -> None:
    """`syncsvc serve` freezes what start-up built; a replan must not unfreeze it."""
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        with kept_out_of_collections():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()

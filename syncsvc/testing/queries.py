"""Counting the SQL statements a piece of code sends, for tests and benchmarks.

    with counted_queries(store.engine) as queries:
        read_athletes(runtime)
    assert len(queries) == 5

Counts what goes through the SQLAlchemy engine (not procrastinate's own pool).
Transaction control (BEGIN, COMMIT...) is left out. `outside_writes` leaves out
the statements of write transactions (`store.write()`) too: what a run reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from syncsvc.store.engine import WRITE_OPTION

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_queries(engine: Engine, *, outside_writes: bool = False) -> Iterator[list[str]]:
    """The statements sent while the block runs, in order."""
    statements: list[str] = []

    def record(connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any) -> None:
        if statement.lstrip().upper().startswith(_CONTROL):
            return
        if outside_writes and connection.get_execution_options().get(WRITE_OPTION):
            return
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def reads(statements: list[str]) -> list[str]:
    """The SELECTs among `statements`."""
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

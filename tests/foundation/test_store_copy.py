from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from syncsvc.domain import Source, SourceRecord
from syncsvc.store.copy import copy_store
from syncsvc.store.database import Store
from syncsvc.store.schema import Base
from syncsvc.testing.cli import invoke
from syncsvc.testing.history import HistorySpec, as_activities, generate_history
from syncsvc.testing.stores import add_athlete, open_store


def counts(store: Store) -> dict[str, int]:
    with store.read() as tx:
        return {
            table.name: tx.orm.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_store_copy_moves_every_row_from_sqlite_to_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    source = open_store(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    athlete = add_athlete(source, "ana")
    records = as_activities(generate_history(HistorySpec(weeks=3)))
    with source.write() as tx:
        scope = tx.athlete(athlete.id)
        ids = [scope.activities.upsert(SourceRecord(a, {"n": i}))[0] for i, a in enumerate(records)]
        scope.activities.set_merge(ids[0], ids[-1])  # a link pointing forward in id order
        scope.feed.issue_token()
        scope.credentials.save("strava", {"refresh_token": "r"})
    result = copy_store(source.engine, postgres_url)
    assert result.rows["activities"] == len(records)
    target = Store.open(postgres_url, source.secrets, sqlite_path=None)
    assert counts(target) == counts(source)
    with target.read() as tx:
        scope = tx.athlete(athlete.id)
        assert scope.credentials.load("strava") == {"refresh_token": "r"}
        assert len(scope.activities.merged()) == len(records) - 1
    with target.write() as tx:  # sequences continue after the copied ids
        new_id, _ = tx.athlete(athlete.id).activities.upsert(
            SourceRecord(
                records[0].__class__(
                    **{
                        **{f: getattr(records[0], f) for f in records[0].__dataclass_fields__},
                        "source": Source.FILE,
                        "source_id": "new",
                    }
                ),
                None,
            )
        )
    assert new_id > max(ids)


def test_store_copy_refuses_a_target_that_is_not_empty(tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "h"
    assert invoke(["--home", str(home), "init", "--athlete", "ana"]).exit_code == 0
    assert invoke(["--home", str(home), "store", "copy", "--to", postgres_url]).exit_code == 0
    again = invoke(["--home", str(home), "store", "copy", "--to", postgres_url])
    assert again.exit_code == 2
    assert "not empty" in again.stderr

"""The store: one engine, short transactions, and a scope per athlete.

    store = Store.open(settings)
    with store.write() as tx:
        tx.athlete(athlete_id).sessions.save(...)

`read()` opens a deferred transaction; `write()` takes SQLite's write lock at
its start (BEGIN IMMEDIATE) so a write never fails half-way on a lock upgrade.
Everything an athlete owns is reached through `tx.athlete(id)`, whose
repositories filter every query by that id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session as OrmSession

from syncsvc import clock
from syncsvc.errors import ConfigError, StoreError
from syncsvc.secrets import SecretBox
from syncsvc.store.athlete_set import AthleteSet
from syncsvc.store.athletes import AthleteDirectory
from syncsvc.store.coaching import Coaching
from syncsvc.store.engine import WRITE_OPTION, create_store_engine
from syncsvc.store.migrate import ensure_schema
from syncsvc.store.schema import StoreMeta
from syncsvc.store.scope import AthleteData
from syncsvc.store.sets import AthleteIds
from syncsvc.store.shared import SharedData
from syncsvc.store.squad import SquadReads
from syncsvc.store.strava_webhook import StravaWebhookMeta
from syncsvc.store.web_access import WebDirectory

log = logging.getLogger(__name__)

UID_HOST_KEY = "uid_host"
CREATED_AT_KEY = "created_at"
ID_NAMESPACE_KEY = "id_namespace"
LEGACY_ID_NAMESPACE = "legacy"
"""Recorded for a store made before installations had a namespace: its session ids,
calendar UIDs and override log stay as they were (the hash key has no namespace)."""
DISTRIBUTED_NEEDS_POSTGRES = (
    "service.mode web and worker (the distributed job engine) need PostgreSQL "
    "(store.url = postgresql+psycopg://...); use service.mode = single with SQLite"
)


@dataclass(frozen=True, slots=True)
class StoreInfo:
    uid_host: str
    created_at: str
    id_namespace: str = ""
    """Mixed into every session id ("" for a legacy store, whose ids stay unchanged)."""


class Store:
    def __init__(self, engine: Engine, secrets: SecretBox, *, sqlite_path: Path | None) -> None:
        self.engine = engine
        self.secrets = secrets
        self.sqlite_path = sqlite_path
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._info: StoreInfo | None = None

    @classmethod
    def open(
        cls,
        url: str,
        secrets: SecretBox,
        *,
        sqlite_path: Path | None,
        busy_timeout_ms: int = 10_000,
        job_schema: bool = False,
    ) -> Store:
        """Connect and migrate if the schema differs from the code's.

        `job_schema`: the distributed job engine is in use; its tables are
        installed or upgraded too (PostgreSQL only).
        """
        engine = create_store_engine(url, busy_timeout_ms=busy_timeout_ms)
        if job_schema and engine.dialect.name != "postgresql":
            engine.dispose()
            raise ConfigError(DISTRIBUTED_NEEDS_POSTGRES)
        try:
            ensure_schema(engine, sqlite_path=sqlite_path, job_schema=job_schema)
        except OperationalError as error:
            engine.dispose()
            raise StoreError(
                f"the store at {_safe_url(url)} cannot be opened: {_reason(error)}",
                hint=_OPEN_HINT,
            ) from None
        except DBAPIError as error:  # "file is not a database": damaged or not ours
            engine.dispose()
            raise StoreError(
                f"the store at {_safe_url(url)} is damaged or not a syncsvc store: "
                f"{_reason(error)}",
                hint=_DAMAGED_HINT,
            ) from None
        return cls(engine, secrets, sqlite_path=sqlite_path)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with self._transaction(self.engine) as transaction:
            yield transaction

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        with self._transaction(self._write_engine) as transaction:
            yield transaction

    @contextmanager
    def idle_connection_held(self) -> Iterator[None]:
        """Keep one idle connection to a SQLite store open while many short transactions run.

        SQLite checkpoints the write-ahead log into the database, with an fsync, and
        deletes it whenever the last connection to the file closes. With a connection
        per transaction (NullPool), a run of short writes with nothing else open paid
        that on every one: about 1.7 ms, two thirds of writing a run's record. The
        idle connection holds no transaction, so it blocks no writer, reader or
        checkpoint; SQLite's automatic checkpoints go on as in a busy server, and the
        last close checkpoints as before. On PostgreSQL the pool keeps connections.
        """
        if self.dialect != "sqlite":
            yield
            return
        idle = self.engine.raw_connection()
        try:
            yield
        finally:
            idle.close()

    @contextmanager
    def _transaction(self, engine: Engine) -> Iterator[Transaction]:
        session = OrmSession(engine, expire_on_commit=False, autoflush=True)
        try:
            with session.begin():
                yield Transaction(session, self.secrets)
        except (OperationalError, DBAPIError) as error:
            raise StoreError(f"the store failed: {_reason(error)}") from None
        finally:
            session.close()

    def info(self) -> StoreInfo:
        if self._info is None:
            with self.read() as tx:
                self._info = tx.store_info()
        return self._info

    def initialise_meta(self, uid_host: str) -> StoreInfo:
        """Fix the UID host name and the id namespace the first time; later calls keep them.

        A new store gets a random namespace, so its calendar UIDs are unique across
        installations. A store initialised before namespaces existed records the legacy
        one, so its session ids and override log do not change.
        """
        with self.write() as tx:
            existing = tx.store_info_or_none()
            if existing is None:
                tx.orm.add(StoreMeta(key=UID_HOST_KEY, value=uid_host))
                tx.orm.add(StoreMeta(key=CREATED_AT_KEY, value=clock.now().isoformat()))
                tx.orm.add(StoreMeta(key=ID_NAMESPACE_KEY, value=token_hex(8)))
            elif not tx.has_meta(ID_NAMESPACE_KEY):
                tx.orm.add(StoreMeta(key=ID_NAMESPACE_KEY, value=LEGACY_ID_NAMESPACE))
        self._info = None
        return self.info()


class Transaction:
    """One unit of work. `athlete(id)` scopes every repository to one athlete."""

    def __init__(self, orm: OrmSession, secrets: SecretBox) -> None:
        self.orm = orm
        self.secrets = secrets

    def athlete(self, athlete_id: int) -> AthleteData:
        return AthleteData(self.orm, athlete_id, self.secrets)

    def athlete_set(self, athlete_ids: AthleteIds) -> AthleteSet:
        """Reads over these athletes (None: every athlete), one query each for the whole set."""
        return AthleteSet(self.orm, athlete_ids)

    @property
    def athletes(self) -> AthleteDirectory:
        return AthleteDirectory(self.orm)

    @property
    def shared(self) -> SharedData:
        return SharedData(self.orm, self.secrets)

    @property
    def strava_webhook(self) -> StravaWebhookMeta:
        """Strava's webhook subscription id, verify token and secret path (store-wide)."""
        return StravaWebhookMeta(self.orm, self.secrets)

    @property
    def web(self) -> WebDirectory:
        """Web sign-in links, sessions and OAuth states, found by their hash."""
        return WebDirectory(self.orm)

    @property
    def coaching(self) -> Coaching:
        """Coaches and admins, and who sees whom."""
        return Coaching(self.orm)

    @property
    def squad(self) -> SquadReads:
        """A coach's squad's figures, read set-based for all its athletes."""
        return SquadReads(self.orm)

    def store_info_or_none(self) -> StoreInfo | None:
        rows = {
            key: value for key, value in self.orm.execute(select(StoreMeta.key, StoreMeta.value))
        }
        if UID_HOST_KEY not in rows:
            return None
        namespace = rows.get(ID_NAMESPACE_KEY, LEGACY_ID_NAMESPACE)
        return StoreInfo(
            uid_host=rows[UID_HOST_KEY],
            created_at=rows.get(CREATED_AT_KEY, ""),
            id_namespace="" if namespace == LEGACY_ID_NAMESPACE else namespace,
        )

    def has_meta(self, key: str) -> bool:
        return self.orm.get(StoreMeta, key) is not None

    def store_info(self) -> StoreInfo:
        info = self.store_info_or_none()
        if info is None:
            raise StoreError("the store has not been initialised", hint="run syncsvc init")
        return info


_OPEN_HINT = "check that the home folder exists and that you may write to it"
_DAMAGED_HINT = (
    "restore a backup (the *.bak files beside it, kept before each upgrade) "
    "or move it away and run syncsvc init to start afresh"
)


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None)
    return str(original or error).splitlines()[0]


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)

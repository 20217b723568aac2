"""What a command or a job needs at hand: settings, the store, the athlete.

The CLI builds one `Runtime` from its flags; the server builds one at start.
Opening the store is lazy, so `--help` and `--version` touch nothing on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncsvc.config import Settings, load_settings
from syncsvc.domain import Athlete
from syncsvc.errors import ConfigError, NotFoundError, StoreError
from syncsvc.private_files import PRIVATE_DIR_MODE
from syncsvc.secrets import load_secret_box
from syncsvc.store.database import DISTRIBUTED_NEEDS_POSTGRES, Store

if TYPE_CHECKING:
    from syncsvc.api.load_worker import LoadWorker


@dataclass
class Runtime:
    settings: Settings
    athlete_name: str | None = None
    _store: Store | None = field(default=None, repr=False)
    load_worker: LoadWorker | None = field(default=None, repr=False)
    """Where the load analysis runs: None, in this process (a CLI command); the
    service sets a worker process, so pandas never stays in it."""

    @classmethod
    def create(
        cls,
        *,
        home: Path | None = None,
        config_file: Path | None = None,
        athlete_name: str | None = None,
        flags: dict[str, Any] | None = None,
    ) -> Runtime:
        return cls(load_settings(home=home, config_file=config_file, flags=flags), athlete_name)

    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def distributed(self) -> bool:
        """The distributed job engine (procrastinate on PostgreSQL) is in use."""
        return self.settings.service.mode != "single"

    def home_exists(self) -> bool:
        return self.home.is_dir()

    def open_store(self, *, create: bool = False) -> Store:
        """Open (and migrate) the store; `create` makes the home folder first."""
        if self._store is not None:
            return self._store
        if self.distributed and self.settings.sqlite_path is not None:
            raise ConfigError(DISTRIBUTED_NEEDS_POSTGRES)
        if create:
            make_home(self.home)
        elif self.settings.sqlite_path is not None and not self.settings.sqlite_path.exists():
            raise NotFoundError(
                f"no syncsvc store at {self.home}", hint="run syncsvc init, or pass --home DIR"
            )
        secrets = load_secret_box(self.home, create=create)
        self._store = Store.open(
            self.settings.database_url,
            secrets,
            sqlite_path=self.settings.sqlite_path,
            busy_timeout_ms=self.settings.store.busy_timeout_ms,
            job_schema=self.distributed,
        )
        if self.settings.sqlite_path is not None and self.settings.sqlite_path.exists():
            os.chmod(self.settings.sqlite_path, 0o600)
        return self._store

    @property
    def store(self) -> Store:
        return self.open_store()

    def athlete(self) -> Athlete:
        with self.store.read() as tx:
            return tx.athletes.resolve(self.athlete_name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def make_home(home: Path) -> None:
    """Create the home folder owner-only; a read-only parent gives one clear line."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        os.chmod(home, PRIVATE_DIR_MODE)
    except PermissionError:
        raise StoreError(
            f"cannot create or use the home folder {home}: permission denied",
            hint="choose another with --home DIR or SYNCSVC_HOME",
        ) from None
    if not os.access(home, os.W_OK):
        raise StoreError(
            f"the home folder {home} is read-only",
            hint="make it writable, or choose another with --home DIR or SYNCSVC_HOME",
        )
    probe = home / ".write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise StoreError(
            f"the home folder {home} is read-only",
            hint="make it writable, or choose another with --home DIR or SYNCSVC_HOME",
        ) from None

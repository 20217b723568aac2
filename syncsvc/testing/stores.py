"""Opening stores in tests and benchmarks: a migrated store with a throwaway key."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from syncsvc.domain import Athlete, Profile
from syncsvc.secrets import SecretBox
from syncsvc.store.database import Store


def open_store(url: str, *, uid_host: str = "test.syncsvc.invalid") -> Store:
    sqlite_path = Path(url.split(":///", 1)[1]) if url.startswith("sqlite") else None
    store = Store.open(url, SecretBox(Fernet.generate_key()), sqlite_path=sqlite_path)
    store.initialise_meta(uid_host)
    return store


def add_athlete(store: Store, name: str, profile: Profile | None = None) -> Athlete:
    with store.write() as tx:
        return tx.athletes.add(name, profile or Profile(timezone="Europe/Berlin", hr_rest=50))

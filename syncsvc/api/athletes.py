"""Setting up a store and managing its athletes (what `init` and `athlete` call)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from syncsvc.domain import Athlete, Profile
from syncsvc.home_files import SETTINGS_FILE_NAME
from syncsvc.private_files import write_private
from syncsvc.profiles import check_profile
from syncsvc.runtime import Runtime
from syncsvc.store.convert import profile_to_json


@dataclass(frozen=True, slots=True)
class InitResult:
    created_home: bool
    created_settings: bool
    created_store: bool
    athlete: Athlete
    created_athlete: bool
    feed_token_created: bool

    @property
    def changed(self) -> bool:
        return any(
            (self.created_home, self.created_settings, self.created_store, self.created_athlete)
        )


def example_settings() -> bytes:
    return resources.files("syncsvc.data").joinpath("settings.example.toml").read_bytes()


def initialise(runtime: Runtime, name: str, profile: Profile) -> InitResult:
    """Create what is missing; leave everything that exists exactly as it is."""
    check_profile(profile)
    home = runtime.home
    created_home = not home.exists()
    settings_file = home / SETTINGS_FILE_NAME
    sqlite = runtime.settings.sqlite_path
    created_store = sqlite is not None and not sqlite.exists()
    store = runtime.open_store(create=True)
    created_settings = not settings_file.exists()
    if created_settings:
        write_private(settings_file, example_settings())
    info_before = None
    with store.read() as tx:
        info_before = tx.store_info_or_none()
    store.initialise_meta(runtime.settings.uid_host)
    created_store = created_store or info_before is None
    with store.write() as tx:
        athletes = tx.athletes.all()
        existing = next((a for a in athletes if a.name == name), None)
        if existing is None and athletes:
            existing = (
                athletes[0]
                if len(athletes) == 1
                else next((a for a in athletes if a.is_default), athletes[0])
            )
        created_athlete = existing is None
        athlete = existing or tx.athletes.add(name, profile)
        had_token = tx.athlete(athlete.id).feed.active_token() is not None
        if not had_token:
            tx.athlete(athlete.id).feed.issue_token()
    return InitResult(
        created_home, created_settings, created_store, athlete, created_athlete, not had_token
    )


def add_athlete(runtime: Runtime, name: str, profile: Profile) -> Athlete:
    check_profile(profile)
    with runtime.store.write() as tx:
        athlete = tx.athletes.add(name, profile)
        tx.athlete(athlete.id).feed.issue_token()
        return athlete


def export_athlete(runtime: Runtime, athlete: Athlete) -> dict[str, Any]:
    """Everything stored about one athlete, secrets left out (they are not theirs to read here)."""
    data: dict[str, Any] = {
        "athlete": {
            "id": athlete.id,
            "name": athlete.name,
            "created_at": athlete.created_at.isoformat(),
            "profile": json.loads(profile_to_json(athlete.profile)),
        }
    }
    secret_columns = {"secret_enc", "token_enc", "token_hash"}
    with runtime.store.read() as tx:
        for table_name, rows in tx.athletes.export_tables(athlete.id):
            data[table_name] = [
                {
                    key: _exportable(key, value)
                    for key, value in row.items()
                    if key not in secret_columns
                }
                for row in rows
            ]
        data["merged_activities"] = [
            {
                "id": a.id,
                "sources": [s.value for s in a.sources],
                "start_utc": a.start_utc.isoformat(),
            }
            for a in tx.athlete(athlete.id).activities.merged()
        ]
    return data


def _exportable(key: str, value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if key.endswith("_json") and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

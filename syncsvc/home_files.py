"""Where the home folder is and how its settings file reads, without the settings model.

`config.py` validates the settings with pydantic-settings; the plan/today read
path (`api/plan_reader.py`) needs only the home, the file and a few keys, and
takes them from here so that it loads neither.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syncsvc.errors import ConfigError

SETTINGS_FILE_NAME = "settings.toml"
DATABASE_FILE_NAME = "syncsvc.db"

__all__ = [
    "DATABASE_FILE_NAME",
    "SETTINGS_FILE_NAME",
    "default_home",
    "read_settings_file",
    "resolve_home",
]


def default_home() -> Path:
    # Imported here: `plan` and `today` with --home or SYNCSVC_HOME never need it.
    from platformdirs import user_data_dir  # noqa: PLC0415

    return Path(user_data_dir("syncsvc", appauthor=False))


def resolve_home(flag: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """`--home`, else `SYNCSVC_HOME`, else the platform's data folder."""
    environ = os.environ if environ is None else environ
    if flag is not None:
        return flag.expanduser().absolute()
    if environ.get("SYNCSVC_HOME"):
        return Path(environ["SYNCSVC_HOME"]).expanduser().absolute()
    return default_home()


def read_settings_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"settings file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"settings file {path} cannot be read: {error.strerror}") from None

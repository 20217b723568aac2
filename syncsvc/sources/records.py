"""Small helpers every normaliser shares: typed field access that names what is wrong."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any


class MalformedRecord(ValueError):
    """A record that cannot be normalised; the message is shown in the sync summary."""


def number(raw: dict[str, Any], key: str) -> float | None:
    """A numeric field as float; absent or null is None, anything else is malformed."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedRecord(f"bad {key} {value!r}")
    if not math.isfinite(value):
        raise MalformedRecord(f"bad {key} {value!r}")
    return float(value)


def text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedRecord(f"bad {key} {value!r}")
    return value


def unidentified_id(raw: Any) -> str:
    """A stable id for a record that has none, so a re-sync files it in the same place."""
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return f"unidentified-{digest[:16]}"

"""Jinja2 templates, rendered on the server, escaped by default."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from syncsvc import __version__


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _clock(value: datetime) -> str:
    return f"{value:%H:%M}"


def _title(value: str) -> str:
    return value[:1].upper() + value[1:]


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("syncsvc.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["clock"] = _clock
    env.filters["first_upper"] = _title
    env.globals["version"] = __version__
    return env


def render_template(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(context)

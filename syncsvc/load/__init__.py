"""Training load: per-activity load, the daily series, day classes, the forecast.

A pure package (the functional core): activities and a profile in, `LoadAnalysis` out; no
I/O, no clock. Importing it is cheap: pandas and numpy load only when one of
the names below is first used (PEP 562), so a CLI cold start does not pay.

    from syncsvc.load import analyse_load, analysis_to_json
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncsvc.load.analysis import analyse_load
    from syncsvc.load.export import analysis_to_json
    from syncsvc.load.parameters import LoadParameters, ParameterSource, resolve_parameters
    from syncsvc.load.plan_source import parse_plan
    from syncsvc.load.plot import plot_load
    from syncsvc.load.result import LoadAnalysis
    from syncsvc.load.settings import LoadSettings

__all__ = [
    "LoadAnalysis",
    "LoadParameters",
    "LoadSettings",
    "ParameterSource",
    "analyse_load",
    "analysis_to_json",
    "parse_plan",
    "plot_load",
    "resolve_parameters",
]

_HOME = {
    "analyse_load": "analysis",
    "analysis_to_json": "export",
    "LoadParameters": "parameters",
    "ParameterSource": "parameters",
    "resolve_parameters": "parameters",
    "parse_plan": "plan_source",
    "plot_load": "plot",
    "LoadAnalysis": "result",
    "LoadSettings": "settings",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value

"""Training load: per-activity load, the daily series, day classes, the forecast.

A pure package: activities and a profile in, `LoadAnalysis` out; no I/O, no
clock. pandas, numpy and matplotlib are imported inside the functions that use
them (see docs/architecture.md, "Imports"), so importing this package is cheap.

    from syncsvc.load import analyse_load, analysis_to_json
"""

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

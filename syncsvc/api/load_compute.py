"""The load step of the pipeline as a pure function of plain values.

`pipeline.compute_load` calls it in process; the service's load worker
(`load_worker.py`) calls it in a worker process. It lives apart from the
pipeline so that the worker imports only the load model (and pandas), not the
store, SQLAlchemy and the rest of the API: that is most of the worker's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from syncsvc.domain import Activity, Athlete, PlannedWorkout
from syncsvc.errors import SourceError
from syncsvc.load import analyse_load
from syncsvc.load.plan_source import parse_plan
from syncsvc.load.result import LoadAnalysis
from syncsvc.load.settings import LoadSettings


@dataclass(frozen=True, slots=True)
class LoadStep:
    analysis: LoadAnalysis
    problems: tuple[str, ...]
    """Plan sources that could not be read (the analysis goes on without them)."""


@dataclass(frozen=True, slots=True)
class LoadInputs:
    """What the load step reads: the pipeline context's part, and the load settings."""

    athlete: Athlete
    activities: tuple[Activity, ...]
    plan_sources: tuple[tuple[str, bytes], ...]
    today: date
    settings: LoadSettings
    horizon_days: int


def planned_workouts(
    settings: LoadSettings,
    athlete: Athlete,
    plan_sources: Sequence[tuple[str, bytes]],
    today: date,
    horizon_days: int,
) -> tuple[tuple[PlannedWorkout, ...], tuple[str, ...]]:
    """Workouts of the imported training plans over the forecast window."""
    workouts: list[PlannedWorkout] = []
    problems: list[str] = []
    for name, content in plan_sources:
        try:
            workouts.extend(
                parse_plan(
                    content,
                    source_name=name,
                    start=today,
                    end=today + timedelta(days=horizon_days),
                    timezone=athlete.profile.timezone,
                    settings=settings.plan,
                )
            )
        except SourceError as error:
            problems.append(f"plan source {name}: {error.message}")
    return tuple(workouts), tuple(problems)


def analyse_inputs(inputs: LoadInputs) -> LoadStep:
    """The load analysis the planner sees, and the plan sources that could not be read."""
    planned, problems = planned_workouts(
        inputs.settings, inputs.athlete, inputs.plan_sources, inputs.today, inputs.horizon_days
    )
    analysis = analyse_load(
        inputs.activities,
        inputs.athlete.profile,
        inputs.settings,
        inputs.today,
        horizon_days=inputs.horizon_days,
        planned=planned,
    )
    return LoadStep(analysis, problems)


def analyse_without_frame(inputs: LoadInputs) -> LoadStep:
    """`analyse_inputs` as the worker process runs it: the analysis without its DataFrame.

    Without the frame the answer pickles to plain values, so unpickling it in
    the service imports neither pandas nor numpy.
    """
    step = analyse_inputs(inputs)
    return replace(step, analysis=replace(step.analysis, frame=None))

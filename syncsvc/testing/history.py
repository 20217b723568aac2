"""A deterministic synthetic running history, shared by tests, benchmarks and the demo.

Seeded: the same `HistorySpec` always gives the same runs. Each run is abstract
(`SyntheticRun`); `as_activities` gives the merged view the load model and the
planner read, and `syncsvc.testing.shapes` renders runs as Strava and Garmin
JSON in their real shapes (duplicates across both sources included).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncsvc.domain import Activity, Source, Sport

DEFAULT_PATTERN: Mapping[int, str] = {
    0: "rest",
    1: "intervals",
    2: "easy",
    3: "easy",
    4: "rest",
    5: "easy",
    6: "long",
}
"""Monday rest, Tuesday intervals, easy midweek, Friday rest, Sunday long run."""

KIND_SHAPES: Mapping[str, tuple[float, float, float]] = {
    # kind: (minutes, pace s/km, heart-rate reserve fraction)
    "easy": (45.0, 340.0, 0.62),
    "intervals": (60.0, 285.0, 0.84),
    "tempo": (55.0, 295.0, 0.8),
    "long": (105.0, 350.0, 0.68),
    "race": (95.0, 280.0, 0.9),
    "recovery": (30.0, 370.0, 0.55),
}


@dataclass(frozen=True, slots=True)
class HistorySpec:
    weeks: int = 12
    end: date = date(2026, 11, 22)
    """The last day of the history (inclusive)."""
    timezone: str = "Europe/Berlin"
    seed: int = 7
    pattern: Mapping[int, str] = field(default_factory=lambda: dict(DEFAULT_PATTERN))
    start_time: time = time(7, 0)
    heart_rate_share: float = 0.8
    """Share of runs recorded with heart rate."""
    both_sources_share: float = 0.7
    """Share of runs recorded by both Garmin and Strava (the duplicates to merge)."""
    strava_only_share: float = 0.15
    jump_week: int | None = None
    """Week index (0-based) from which weekly volume jumps by `jump_factor`."""
    jump_factor: float = 1.25
    strength_every_days: int = 0
    """A watch-recorded strength activity every N days (0: none)."""
    hr_rest: int = 50
    hr_max: int = 190
    athlete_key: str = "a1"


@dataclass(frozen=True, slots=True)
class SyntheticRun:
    key: str
    kind: str
    sport: Sport
    sport_raw: str
    start_utc: datetime
    timezone: str
    utc_offset_s: int
    moving_s: float
    elapsed_s: float
    distance_m: float
    avg_hr: float | None
    max_hr: float | None
    elevation_gain_m: float
    workout_type: int | None
    garmin_id: int | None
    strava_id: int | None

    @property
    def local_date(self) -> date:
        return (self.start_utc + timedelta(seconds=self.utc_offset_s)).date()

    @property
    def start_local(self) -> datetime:
        return (self.start_utc + timedelta(seconds=self.utc_offset_s)).replace(tzinfo=None)


def generate_history(spec: HistorySpec = HistorySpec()) -> list[SyntheticRun]:
    """The runs (and optional strength sessions) of `spec.weeks` weeks ending on `spec.end`."""
    rng = random.Random(f"{spec.seed}:{spec.athlete_key}")  # noqa: S311 - seeded test data
    zone = ZoneInfo(spec.timezone)
    first_day = spec.end - timedelta(days=spec.weeks * 7 - 1)
    runs: list[SyntheticRun] = []
    garmin_base = 10_000_000_000 + spec.seed * 1_000_000
    strava_base = 9_000_000_000 + spec.seed * 1_000_000
    for offset in range((spec.end - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        week_index = offset // 7
        kind = spec.pattern.get(day.weekday(), "easy")
        if (
            spec.strength_every_days
            and offset % spec.strength_every_days == spec.strength_every_days - 1
        ):
            runs.append(_strength(spec, rng, zone, day, len(runs), garmin_base, strava_base))
        if kind == "rest" or rng.random() < 0.04:  # an occasional skipped run
            continue
        runs.append(
            _run(spec, rng, zone, day, kind, week_index, len(runs), garmin_base, strava_base)
        )
    return runs


def _recorded_by(spec: HistorySpec, rng: random.Random) -> tuple[bool, bool]:
    draw = rng.random()
    if draw < spec.both_sources_share:
        return True, True
    if draw < spec.both_sources_share + spec.strava_only_share:
        return False, True
    return True, False


def _local_start(spec: HistorySpec, rng: random.Random, zone: ZoneInfo, day: date) -> datetime:
    minutes = rng.randint(-40, 60)
    local = datetime.combine(day, spec.start_time) + timedelta(minutes=minutes)
    return local.replace(tzinfo=zone)


def _run(
    spec: HistorySpec,
    rng: random.Random,
    zone: ZoneInfo,
    day: date,
    kind: str,
    week_index: int,
    index: int,
    garmin_base: int,
    strava_base: int,
) -> SyntheticRun:
    minutes, pace, reserve = KIND_SHAPES.get(kind, KIND_SHAPES["easy"])
    scale = spec.jump_factor if spec.jump_week is not None and week_index >= spec.jump_week else 1.0
    moving_s = round(minutes * 60 * scale * rng.uniform(0.85, 1.15))
    pace_s = pace * rng.uniform(0.96, 1.04)
    distance_m = round(moving_s / pace_s * 1000, 1)
    with_hr = rng.random() < spec.heart_rate_share
    hr_reserve = spec.hr_max - spec.hr_rest
    avg_hr = (
        round(spec.hr_rest + hr_reserve * reserve * rng.uniform(0.97, 1.03), 1) if with_hr else None
    )
    max_hr = round(min(spec.hr_max, (avg_hr or 0) + rng.uniform(8, 18)), 1) if with_hr else None
    local_start = _local_start(spec, rng, zone, day)
    start_utc = local_start.astimezone(UTC)
    offset = local_start.utcoffset() or timedelta(0)
    garmin, strava = _recorded_by(spec, rng)
    return SyntheticRun(
        key=f"{spec.athlete_key}-{index}",
        kind=kind,
        sport=Sport.RUN,
        sport_raw="Run",
        start_utc=start_utc,
        timezone=spec.timezone,
        utc_offset_s=int(offset.total_seconds()),
        moving_s=float(moving_s),
        elapsed_s=float(moving_s + rng.randint(0, 240)),
        distance_m=distance_m,
        avg_hr=avg_hr,
        max_hr=max_hr,
        elevation_gain_m=round(rng.uniform(5, 120), 1),
        workout_type={"intervals": 3, "long": 2, "race": 1}.get(kind, 0),
        garmin_id=garmin_base + index if garmin else None,
        strava_id=strava_base + index if strava else None,
    )


def _strength(
    spec: HistorySpec,
    rng: random.Random,
    zone: ZoneInfo,
    day: date,
    index: int,
    garmin_base: int,
    strava_base: int,
) -> SyntheticRun:
    local_start = datetime.combine(day, time(18, 30)).replace(tzinfo=zone)
    offset = local_start.utcoffset() or timedelta(0)
    moving_s = float(rng.randint(20, 30) * 60)
    return SyntheticRun(
        key=f"{spec.athlete_key}-{index}",
        kind="strength",
        sport=Sport.STRENGTH,
        sport_raw="WeightTraining",
        start_utc=local_start.astimezone(UTC),
        timezone=spec.timezone,
        utc_offset_s=int(offset.total_seconds()),
        moving_s=moving_s,
        elapsed_s=moving_s,
        distance_m=0.0,
        avg_hr=None,
        max_hr=None,
        elevation_gain_m=0.0,
        workout_type=None,
        garmin_id=garmin_base + index,
        strava_id=None,
    )


def as_activities(runs: list[SyntheticRun], *, athlete_id: int | None = None) -> list[Activity]:
    """One merged activity per run, as the store hands them to the load model."""
    activities: list[Activity] = []
    for number, run in enumerate(runs, start=1):
        source = Source.GARMIN if run.garmin_id is not None else Source.STRAVA
        source_id = str(run.garmin_id if run.garmin_id is not None else run.strava_id)
        sources = tuple(
            s
            for s, present in ((Source.GARMIN, run.garmin_id), (Source.STRAVA, run.strava_id))
            if present is not None
        )
        activities.append(
            Activity(
                id=number if athlete_id is not None else None,
                athlete_id=athlete_id,
                source=source,
                source_id=source_id,
                start_utc=run.start_utc,
                utc_offset_s=run.utc_offset_s,
                timezone=run.timezone,
                sport=run.sport,
                sport_raw=run.sport_raw,
                name=f"{run.kind.title()} run" if run.sport is Sport.RUN else "Strength",
                distance_m=run.distance_m,
                moving_s=run.moving_s,
                elapsed_s=run.elapsed_s,
                avg_hr=run.avg_hr,
                max_hr=run.max_hr,
                elevation_gain_m=run.elevation_gain_m,
                is_race=run.kind == "race",
                workout_type=run.workout_type,
                sources=sources,
            )
        )
    return activities

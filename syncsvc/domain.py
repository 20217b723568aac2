"""The values every layer passes around.

Frozen dataclasses, no behaviour beyond small derived properties. SQLAlchemy rows
stay inside `store/`, raw API JSON inside `sources/` (and the store's `raw_json`
column); everything else speaks in these types.

Time conventions: instants are timezone-aware UTC `datetime`s (`*_utc`, or `at`);
local calendar days are `date`s in a named zone (`local_date`); wall-clock times
are naive `time`s (`start_time`) read in the athlete's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------- athletes


class Sex(StrEnum):
    FEMALE = "f"
    MALE = "m"


class StrengthLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys as the runner types them; index = `date.weekday()` (Monday 0)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What the planner and the load model need to know about one runner.

    Weekdays are `date.weekday()` numbers (Monday 0). The declared running
    pattern (`long_run_days`, `hard_days`, `rest_days`) is the runner's own
    description of a normal week; the load model uses it as a forecast.
    """

    timezone: str = "UTC"
    hr_rest: int | None = None
    hr_max: int | None = None
    hr_threshold: int | None = None
    threshold_pace_s_per_km: float | None = None
    sex: Sex | None = None
    level: StrengthLevel = StrengthLevel.BEGINNER
    session_time: time = time(18, 0)
    session_minutes: int = 25
    preferred_weekdays: tuple[int, ...] = ()
    unavailable_weekdays: tuple[int, ...] = ()
    unavailable_dates: tuple[date, ...] = ()
    long_run_days: tuple[int, ...] = ()
    hard_days: tuple[int, ...] = ()
    rest_days: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Athlete:
    id: int
    name: str
    profile: Profile
    created_at: datetime
    is_default: bool = False


# ---------------------------------------------------------------- activities


class Source(StrEnum):
    STRAVA = "strava"
    GARMIN = "garmin"
    FILE = "file"


class Sport(StrEnum):
    """Sport families: what the load model weighs and the merge compares."""

    RUN = "run"
    RIDE = "ride"
    HIKE = "hike"
    WALK = "walk"
    SWIM = "swim"
    SKI = "ski"
    ROW = "row"
    STRENGTH = "strength"
    MOBILITY = "mobility"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Activity:
    """One recorded activity, normalised from one source record.

    `id` is the store's row id (None before it is stored). After the merge the
    store hands out the winning record of each group with `sources` naming every
    source that recorded it. `timezone` is the IANA zone where it happened when
    known; `utc_offset_s` is the offset at its start (always known, 0 at worst),
    which decides its local date.
    """

    source: Source
    source_id: str
    start_utc: datetime
    sport: Sport
    sport_raw: str
    utc_offset_s: int = 0
    timezone: str | None = None
    name: str = ""
    distance_m: float | None = None
    moving_s: float | None = None
    elapsed_s: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    elevation_gain_m: float | None = None
    is_race: bool = False
    workout_type: int | None = None
    external_id: str | None = None
    device_load: float | None = None
    """Garmin's `activityTrainingLoad`, kept for comparison, never mixed into ours."""
    suffer_score: float | None = None
    """Strava's relative effort, kept for comparison, never mixed into ours."""
    manual: bool = False
    private: bool = False
    id: int | None = None
    athlete_id: int | None = None
    sources: tuple[Source, ...] = ()

    @property
    def start_local(self) -> datetime:
        """Wall-clock start where the activity happened (naive)."""
        return (self.start_utc + timedelta(seconds=self.utc_offset_s)).replace(tzinfo=None)

    @property
    def local_date(self) -> date:
        return self.start_local.date()

    @property
    def duration_s(self) -> float:
        return self.moving_s or self.elapsed_s or 0.0


class LoadMethod(StrEnum):
    HEART_RATE = "hr"
    PACE = "pace"
    DURATION = "duration"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class ActivityLoad:
    activity_id: int | None
    source_id: str
    load: float
    method: LoadMethod
    detail: str = ""


# ---------------------------------------------------------------- load and days


class DayClass(StrEnum):
    REST = "rest"
    EASY = "easy"
    MODERATE = "moderate"
    HARD = "hard"
    LONG = "long"
    RACE = "race"

    @property
    def is_demanding(self) -> bool:
        """Hard, long or race: the days W4 and W5 protect."""
        return self in (DayClass.HARD, DayClass.LONG, DayClass.RACE)


class ClassSource(StrEnum):
    """Where a day's class came from."""

    ACTUAL = "actual"
    PLAN = "plan"
    DECLARED = "declared"
    LEARNED = "learned"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class DayLoad:
    """One local day of the series (past) or the forecast (future)."""

    day: date
    load: float
    day_class: DayClass
    reason: str
    class_source: ClassSource = ClassSource.ACTUAL
    forecast: bool = False
    confidence: float = 1.0
    distance_m: float = 0.0
    running_s: float = 0.0
    longest_run_s: float = 0.0
    activity_count: int = 0
    atl: float = 0.0
    ctl: float = 0.0
    tsb: float = 0.0
    acwr: float | None = None
    acwr_rolling: float | None = None


@dataclass(frozen=True, slots=True)
class DayView:
    """A day's class as the pipeline last computed it, for views that must not load pandas."""

    day: date
    day_class: DayClass
    reason: str
    class_source: ClassSource
    forecast: bool
    load: float
    distance_m: float = 0.0
    atl: float = 0.0
    ctl: float = 0.0
    acwr: float | None = None
    """The acute (7-day) and chronic (42-day) loads and their ratio, for the load chart."""


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """Weekly running figures the progression rules (P3) read."""

    week_start: date
    distance_m: float
    change_vs_previous: float | None
    change_vs_4wk_avg: float | None
    monotony: float | None
    strain: float | None
    max_acwr: float | None


@dataclass(frozen=True, slots=True)
class PlannedWorkout:
    """One event of an imported training plan, classified."""

    day: date
    day_class: DayClass
    title: str
    source_name: str
    start_utc: datetime | None = None


# ---------------------------------------------------------------- sessions


class SessionKind(StrEnum):
    CORE = "core"
    HIP = "hip"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"


class SessionOrigin(StrEnum):
    PLANNER = "planner"
    USER = "user"


@dataclass(frozen=True, slots=True)
class PrescribedExercise:
    """One exercise as dosed in one session."""

    exercise_id: str
    name: str
    dose: str
    """Human dose, e.g. "3 × 10 each side" or "3 × 25 s hold"."""
    sets: int = 1
    reps: int | None = None
    hold_s: int | None = None
    tempo: str | None = None
    band: str | None = None
    cues: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class SessionContent:
    block: str
    block_week: int
    level: StrengthLevel
    minutes: int
    warmup: tuple[PrescribedExercise, ...] = ()
    exercises: tuple[PrescribedExercise, ...] = ()
    cooldown: tuple[PrescribedExercise, ...] = ()
    notes: tuple[str, ...] = ()
    form_check: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    """A planned strength session with a stable id for its whole life.

    `version` goes up whenever its day, time, status or content changes; the
    calendar feed uses it as SEQUENCE and `changed_at` as DTSTAMP/LAST-MODIFIED.
    """

    id: str
    athlete_id: int
    kind: SessionKind
    local_date: date
    start_time: time
    minutes: int
    status: SessionStatus = SessionStatus.PLANNED
    pinned: bool = False
    origin: SessionOrigin = SessionOrigin.PLANNER
    version: int = 0
    content: SessionContent | None = None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Rules a runner-placed session now breaks (W4, W5...), in plain words."""
    changed_at: datetime | None = None
    created_at: datetime | None = None
    rpe: int | None = None
    outcome_note: str = ""


@dataclass(frozen=True, slots=True)
class MobilityBlock:
    """Optional rest-day mobility and breathing block (W6)."""

    local_date: date
    minutes: int
    items: tuple[PrescribedExercise, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    athlete_id: int
    sessions: tuple[Session, ...]
    mobility: tuple[MobilityBlock, ...] = ()
    notes: tuple[str, ...] = ()
    """Week-level notes: weeks that could not hold every rule, progression held..."""


# ---------------------------------------------------------------- runner input


class OverrideAction(StrEnum):
    MOVE = "move"
    PIN = "pin"
    UNPIN = "unpin"
    SKIP = "skip"
    DONE = "done"
    ADD = "add"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class Override:
    """One manual decision, appended to a log and never edited."""

    athlete_id: int
    action: OverrideAction
    at: datetime
    session_id: str | None = None
    local_date: date | None = None
    start_time: time | None = None
    kind: SessionKind | None = None
    forced: bool = False
    broken_rules: tuple[str, ...] = ()
    rpe: int | None = None
    note: str = ""
    origin: str = "cli"
    id: int | None = None
    actor_user_id: int | None = None
    """The coach or admin who decided this for the athlete (None: the athlete)."""
    actor_name: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """A coach or an admin acting on an athlete's plan: their decisions carry their name."""

    user_id: int
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A low-back check-in (P4) and sore exercises (P5), appended to a log."""

    athlete_id: int
    at: datetime
    back_score: int
    sore_exercises: tuple[str, ...] = ()
    note: str = ""
    id: int | None = None


# ---------------------------------------------------------------- sync state


@dataclass(frozen=True, slots=True)
class SyncCursor:
    athlete_id: int
    source: Source
    newest_start_utc: datetime | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str = ""
    full_sync_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What one sync of one source did; `--json` prints it."""

    source: Source
    fetched: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0
    deleted: int = 0
    requests: int = 0
    stopped: str = ""
    """Why the sync stopped early (rate limit, auth), empty when it completed."""
    problems: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """As `sync --json` prints it and `pipeline_runs` records it."""
        return {
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "merged": self.merged,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "requests": self.requests,
            "stopped": self.stopped,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    athlete_id: int
    body: bytes
    etag: str
    rendered_at: datetime
    plan_version: str


JSONValue = Any
"""Raw JSON kept beside an activity; only `sources/` and `store/` look inside."""


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """An activity as a source delivered it: normalised, plus its raw payload."""

    activity: Activity
    raw: JSONValue = field(default=None, compare=False)


def wall_clock(instant: datetime, timezone: str) -> datetime:
    """`instant` as the wall clock reads in an IANA zone (naive): an athlete's "now"."""
    return instant.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)

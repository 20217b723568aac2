"""Every tunable number of the load model (mounted at `settings.load`).

Imports pydantic only, so the root settings can mount it without pulling in
pandas. Defaults are the documented defaults of docs/settings.md (the
`load.*` keys); the source of each is given in `Field(description=...)`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from syncsvc.domain import DayClass, Sport


def _default_sport_factor() -> dict[Sport, float]:
    return {
        Sport.RUN: 1.0,
        Sport.RIDE: 0.5,
        Sport.HIKE: 0.6,
        Sport.WALK: 0.3,
        Sport.SWIM: 0.3,
        Sport.SKI: 0.5,
        Sport.ROW: 0.4,
        Sport.STRENGTH: 0.0,
        Sport.MOBILITY: 0.0,
        Sport.OTHER: 0.5,
    }


def _default_sport_intensity() -> dict[Sport, float]:
    return {
        Sport.RUN: 1.5,
        Sport.RIDE: 1.3,
        Sport.HIKE: 1.1,
        Sport.WALK: 0.7,
        Sport.SWIM: 1.3,
        Sport.SKI: 1.4,
        Sport.ROW: 1.4,
        Sport.STRENGTH: 1.0,
        Sport.MOBILITY: 0.3,
        Sport.OTHER: 1.0,
    }


def _default_plan_keywords() -> dict[DayClass, list[str]]:
    return {
        DayClass.RACE: [
            r"\brace\b(?![- ]?pace)",
            r"\bmarathon\b(?![- ]?pace)",
            r"\bcompetition\b",
        ],
        DayClass.LONG: [r"\blong\b", r"\blsd\b"],
        DayClass.HARD: [
            r"\binterval",
            r"\btempo\b",
            r"\bthreshold\b",
            r"\bfartlek\b",
            r"\brepeats?\b",
            r"\bhills?\b",
            r"\bvo2",
            r"\bspeed\b",
            r"\btrack\b",
            r"\b(?:race|marathon|half|10 ?k|5 ?k)[- ]?pace\b",
            r"\b\d+\s*[x×]\s*\d+",
        ],
        DayClass.MODERATE: [r"\bsteady\b", r"\bmoderate\b", r"\bprogression\b", r"\baerobic\b"],
        DayClass.EASY: [
            r"\beasy\b",
            r"\brecovery\b",
            r"\bjog\b",
            r"\bshake[- ]?out\b",
            r"\bbase\b",
        ],
        DayClass.REST: [r"\brest\b", r"\boff\b", r"\bday off\b", r"\bcross[- ]?train"],
    }


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeartRateSettings(_Model):
    """Banister TRIMP constants and the heart-rate parameters' fallbacks."""

    male_a: float = Field(0.64, description="Banister weighting a·e^(b·x), men (Morton 1990).")
    male_b: float = Field(1.92, description="Banister exponent, men.")
    female_a: float = Field(0.86, description="Banister weighting, women (classic 0.86 pair).")
    female_b: float = Field(1.67, description="Banister exponent, women.")
    hrr_fraction_max: float = Field(
        1.0, description="Upper clamp of the heart-rate-reserve fraction x (0 is the lower)."
    )
    default_hr_rest: float = Field(60.0, description="Resting HR when the profile has none.")
    default_hr_max: float = Field(
        190.0, description="Maximum HR when the profile has none and too few maxima are recorded."
    )
    hr_max_percentile: float = Field(
        98.0, description="Percentile of the recorded per-activity maxima taken as HR max."
    )
    hr_max_window_days: int = Field(365, description="Recorded maxima count from this window.")
    hr_max_min_activities: int = Field(
        10, description="Fewest plausible recorded maxima needed to estimate HR max."
    )
    plausible_min_bpm: float = Field(40.0, description="Lower bound of a believable HR reading.")
    plausible_max_bpm: float = Field(230.0, description="Upper bound of a believable HR reading.")
    threshold_hrr_fraction: float = Field(
        0.80,
        description="Threshold HR, when the profile has none: this fraction of the reserve.",
    )


class PaceSettings(_Model):
    """Pace-based running stress (rTSS) and its conversion to the TRIMP scale."""

    default_threshold_pace_s_per_km: float = Field(
        300.0, description="Threshold pace when neither the profile nor the history gives one."
    )
    threshold_window_days: int = Field(
        90, description="Hard efforts from this window estimate the threshold pace."
    )
    threshold_min_effort_s: float = Field(
        1200.0, description="Shortest run that counts as an effort for the threshold estimate."
    )
    threshold_percentile: float = Field(
        10.0,
        description="Percentile (fast end) of the efforts' 60-minute-equivalent paces.",
    )
    riegel_exponent: float = Field(
        1.06, description="Riegel 1981 endurance exponent, to bring efforts to 60 minutes."
    )
    climb_equivalent_m: float = Field(
        8.0,
        description="Flat metres one metre of climb is worth (Naismith's rule, Scarf 2007).",
    )
    pace_to_trimp_default: float = Field(
        1.5,
        description="TRIMP per rTSS point when the athlete has too few runs with HR and pace.",
    )
    pace_to_trimp_min_runs: int = Field(
        5, description="Fewest runs with both HR and pace to fit the conversion factor."
    )
    pace_to_trimp_window_days: int = Field(
        365, description="Runs with both HR and pace from this window fit the factor."
    )
    plausible_min_pace_s_per_km: float = Field(
        120.0, description="Faster than this average pace is a GPS or data error."
    )
    plausible_max_pace_s_per_km: float = Field(
        900.0, description="Slower than this average pace does not score by pace."
    )


class SportSettings(_Model):
    """How much each sport counts for running load, and the no-data fallback."""

    factor: dict[Sport, float] = Field(
        default_factory=_default_sport_factor,
        description="Share of an activity's load that counts as running load, by sport.",
    )
    intensity_per_min: dict[Sport, float] = Field(
        default_factory=_default_sport_intensity,
        description="Load per minute when neither HR nor pace is known (session-RPE style).",
    )


class SeriesSettings(_Model):
    """Daily series: GoldenCheetah PMC, Williams 2017 EWMA ACWR, Foster monotony."""

    ctl_days: float = Field(42.0, description="Chronic load time constant τ (days).")
    atl_days: float = Field(7.0, description="Acute load time constant τ (days).")
    acwr_acute_days: int = Field(7, description="ACWR acute window N (days).")
    acwr_chronic_days: int = Field(28, description="ACWR chronic window N (days).")
    acwr_min_history_days: int = Field(
        28, description="No ratio before this many days of history (start-up artefacts)."
    )
    monotony_max: float = Field(
        10.0, description="Monotony clamp; also the value when all seven days are equal."
    )
    min_history_days: int = Field(
        28, description="Days the series covers at least, even with no activities."
    )
    future_slack_days: int = Field(
        1,
        description="An activity dated up to this many days after today is real (a zone ahead "
        "of the profile's); later ones are clock errors and stay out of the series.",
    )


class ClassSettings(_Model):
    """Thresholds that turn a day into rest/easy/moderate/hard/long/race."""

    race_workout_types: list[int] = Field(
        default_factory=lambda: [1], description="Strava workout_type values that mean race."
    )
    hard_workout_types: list[int] = Field(
        default_factory=lambda: [3],
        description="Strava workout_type values that mean workout (hard).",
    )
    long_run_min_s: float = Field(5400.0, description="A run this long is a long run.")
    long_run_median_factor: float = Field(
        1.5, description="A run this many times the recent median run is a long run."
    )
    long_run_median_days: int = Field(42, description="Window of that median (days before).")
    long_run_relative_floor_s: float = Field(
        2700.0, description="A run must last this long to be long by the relative rule."
    )
    hard_load_percentile: float = Field(
        80.0, description="A daily load above this percentile of running days is hard."
    )
    easy_load_percentile: float = Field(
        40.0, description="A daily load below this percentile of running days is easy."
    )
    percentile_window_days: int = Field(
        365, description="Running days from this window make the percentiles."
    )
    percentile_min_days: int = Field(
        5, description="Fewest running days for the percentile rules to apply."
    )
    hard_pace_min_s: float = Field(
        600.0, description="A run must last this long for its pace to make it hard."
    )


class ForecastSettings(_Model):
    """The days ahead: plan, then declared pattern, then learned pattern."""

    learned_weeks: int = Field(6, description="Weeks of history the learned pattern reads.")
    learned_min_weeks: int = Field(
        3, description="Fewest observed weekdays for a learned class (else the default)."
    )
    plan_confidence: float = Field(0.9, description="Confidence of a planned workout's class.")
    declared_confidence: float = Field(
        0.8, description="Confidence of a class from the profile's declared pattern."
    )
    default_class: DayClass = Field(
        DayClass.EASY, description="Class of a day nothing says anything about."
    )
    typical_load_days: int = Field(
        42, description="Past days of the same class from this window give a forecast's load."
    )
    default_load: dict[DayClass, float] = Field(
        default_factory=lambda: {
            DayClass.REST: 0.0,
            DayClass.EASY: 50.0,
            DayClass.MODERATE: 80.0,
            DayClass.HARD: 120.0,
            DayClass.LONG: 150.0,
            DayClass.RACE: 180.0,
        },
        description="Forecast load of a class the athlete has no recent day of.",
    )


class PlanSettings(_Model):
    """Reading an iCalendar training plan."""

    keywords: dict[DayClass, list[str]] = Field(
        default_factory=_default_plan_keywords,
        description="Regular expressions (case-insensitive) that make an event each class.",
    )
    precedence: list[DayClass] = Field(
        default_factory=lambda: [
            DayClass.RACE,
            DayClass.LONG,
            DayClass.HARD,
            DayClass.MODERATE,
            DayClass.EASY,
            DayClass.REST,
        ],
        description="When several classes match, the first in this list wins.",
    )
    default_class: DayClass = Field(
        DayClass.MODERATE, description="Class of an event no keyword matches."
    )


class LoadSettings(_Model):
    """The training-load model (`load.*`)."""

    heart_rate: HeartRateSettings = Field(default_factory=HeartRateSettings)
    pace: PaceSettings = Field(default_factory=PaceSettings)
    sports: SportSettings = Field(default_factory=SportSettings)
    series: SeriesSettings = Field(default_factory=SeriesSettings)
    classes: ClassSettings = Field(default_factory=ClassSettings)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    plan: PlanSettings = Field(default_factory=PlanSettings)

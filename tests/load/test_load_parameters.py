"""HR max, threshold pace and the pace→TRIMP factor: profile, estimate or default."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from load_factories import activity, easy_weeks

from syncsvc.domain import LoadMethod, Profile, Sex, Sport
from syncsvc.load.analysis import analyse_load
from syncsvc.load.parameters import ParameterSource, resolve_parameters
from syncsvc.load.settings import LoadSettings

SETTINGS = LoadSettings()
TODAY = date(2026, 11, 24)


def test_hr_max_comes_from_the_profile_when_set() -> None:
    parameters = resolve_parameters(easy_weeks(TODAY, 8), Profile(hr_max=188), SETTINGS, TODAY)
    assert parameters.hr_max == 188
    assert parameters.hr_max_source is ParameterSource.PROFILE
    assert not parameters.hr_max_estimated


def test_hr_max_is_a_high_percentile_of_recorded_maxima_not_one_spike() -> None:
    history = [
        activity(TODAY - timedelta(days=n), 40, avg_hr=140, max_hr=170 + n % 15)
        for n in range(1, 60)
    ]
    history.append(activity(TODAY - timedelta(days=3), 40, avg_hr=140, max_hr=226))  # strap spike
    parameters = resolve_parameters(history, Profile(), SETTINGS, TODAY)
    assert parameters.hr_max_source is ParameterSource.ESTIMATED
    assert parameters.hr_max_estimated
    assert 183 <= parameters.hr_max <= 186
    assert parameters.hr_max_samples == 60


def test_maxima_older_than_a_year_do_not_count() -> None:
    old = [activity(TODAY - timedelta(days=400 + n), 40, max_hr=200) for n in range(20)]
    recent = [activity(TODAY - timedelta(days=n), 40, max_hr=180) for n in range(1, 21)]
    parameters = resolve_parameters([*old, *recent], Profile(), SETTINGS, TODAY)
    assert parameters.hr_max == pytest.approx(180)


def test_too_few_maxima_fall_back_to_the_default_and_say_so() -> None:
    history = [activity(TODAY - timedelta(days=n), 40, max_hr=182) for n in range(1, 4)]
    parameters = resolve_parameters(history, Profile(), SETTINGS, TODAY)
    assert parameters.hr_max == SETTINGS.heart_rate.default_hr_max
    assert parameters.hr_max_source is ParameterSource.DEFAULT
    assert "default" in parameters.filled_in()["hr_max"]


def test_threshold_pace_is_estimated_from_recent_hard_efforts() -> None:
    history = easy_weeks(TODAY, 8)  # 6:00/km easy running
    # a 10 km race in 45 min (4:30/km) is 4:34/km for an hour by Riegel's T2 = T1·(D2/D1)^1.06
    history.append(activity(TODAY - timedelta(days=10), 45, distance_km=10, is_race=True))
    parameters = resolve_parameters(history, Profile(hr_rest=50, hr_max=190), SETTINGS, TODAY)
    assert parameters.threshold_pace_source is ParameterSource.ESTIMATED
    assert parameters.threshold_pace_estimated
    assert parameters.threshold_pace_samples == 1
    assert parameters.threshold_pace_s_per_km == pytest.approx(
        270 * (3600 / 2700) ** (1 - 1 / 1.06)
    )
    assert round(parameters.threshold_pace_s_per_km) == 274


def test_threshold_pace_from_the_profile_wins() -> None:
    parameters = resolve_parameters(
        easy_weeks(TODAY, 8), Profile(threshold_pace_s_per_km=255), SETTINGS, TODAY
    )
    assert parameters.threshold_pace_s_per_km == 255
    assert parameters.threshold_pace_source is ParameterSource.PROFILE


def test_pace_only_runs_are_scaled_by_a_factor_fitted_on_runs_with_both() -> None:
    history = easy_weeks(TODAY - timedelta(days=1), 8)  # HR and pace
    profile = Profile(hr_rest=50, hr_max=190, sex=Sex.MALE, threshold_pace_s_per_km=270)
    parameters = resolve_parameters(history, profile, SETTINGS, TODAY)
    assert parameters.pace_to_trimp_source is ParameterSource.ESTIMATED
    # each easy run: TRIMP 40·x·0.64e^(1.92x), x = 85/140; rTSS = 40/60·(270/360)²·100
    x = 85 / 140
    trimp = 40 * x * 0.64 * 2.718281828459045 ** (1.92 * x)
    assert parameters.pace_to_trimp == pytest.approx(trimp / (40 / 60 * 0.75**2 * 100))
    pace_only = activity(TODAY, 40, distance_km=40 / 6)
    analysis = analyse_load([*history, pace_only], profile, SETTINGS, TODAY)
    scored = analysis.activity_loads[-1]
    assert scored.method is LoadMethod.PACE
    assert scored.load == pytest.approx(trimp)  # same run, same load, whichever data it has


def test_with_no_hr_and_no_distance_the_load_is_duration_times_the_sport_intensity() -> None:
    ride = activity(TODAY, 60, sport=Sport.RIDE)
    analysis = analyse_load([ride], Profile(), SETTINGS, TODAY)
    scored = analysis.activity_loads[0]
    assert scored.method is LoadMethod.DURATION
    assert scored.load == pytest.approx(60 * 1.3 * 0.5)
    assert "× 0.5 for ride" in scored.detail


def test_strength_is_kept_with_zero_running_load() -> None:
    session = activity(TODAY, 30, sport=Sport.STRENGTH, avg_hr=120)
    analysis = analyse_load([session], Profile(), SETTINGS, TODAY)
    (scored,) = analysis.activity_loads
    assert (scored.load, scored.method) == (0.0, LoadMethod.NONE)
    assert scored.activity_id == session.id
    assert scored.source_id == session.source_id


def test_device_numbers_stay_beside_ours_never_in_it() -> None:
    plain = activity(TODAY, 45, avg_hr=150)
    from dataclasses import replace

    with_device = replace(plain, device_load=300.0, suffer_score=99.0)
    ours = analyse_load([plain], Profile(), SETTINGS, TODAY).activity_loads[0]
    theirs = analyse_load([with_device], Profile(), SETTINGS, TODAY)
    assert theirs.activity_loads[0].load == ours.load
    assert "Garmin load 300" in theirs.activity_loads[0].detail
    assert theirs.frame.loc[str(TODAY), "device_load"] == 300.0


def test_filled_in_says_what_was_used_for_each_unset_value_and_why() -> None:
    filled = resolve_parameters([], Profile(hr_rest=48), SETTINGS, TODAY).filled_in()
    assert "hr_rest" not in filled  # from the profile
    assert filled["hr_max"] == "190 bpm, default: set it in your profile"
    # 48 + 0.8 × (190 − 48) = 161.6
    assert filled["hr_threshold"] == "162 bpm, derived from your resting and max HR"
    assert filled["threshold_pace"] == "5:00/km, default: set it in your profile"

"""The formulas against independent reference values (tests/load/reference_vectors.json).

The numbers were carried from shared/fixtures/load-vectors.json, which executed
GoldenCheetah, Runalyze and Elevate code; the note in the JSON says so.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from syncsvc.domain import Sex
from syncsvc.load.columns import day_number
from syncsvc.load.pace import running_stress
from syncsvc.load.series import load_curves, weekly_loads
from syncsvc.load.settings import HeartRateSettings, SeriesSettings
from syncsvc.load.trimp import banister_trimp

HERE = Path(__file__).resolve().parent
VECTORS: dict[str, Any] = json.loads((HERE / "reference_vectors.json").read_text())
TOLERANCE = 1e-6

CLASSIC_TRIMP_CASES = [
    "fellrnr_worked_example_m",
    "fellrnr_worked_example_f",
    "easy45_m",
    "steady60_f",
    "long90_m",
    "hard20_m",
    "tempo75_f",
    "avg_below_rest_m",
    "avg_equals_max_m",
    "fractional_hr_m",
    "zero_duration_m",
]
SEX = {"M": Sex.MALE, "F": Sex.FEMALE}


def _trimp_case(case_id: str) -> dict[str, Any]:
    return next(case for case in VECTORS["trimp_single_activity"] if case["id"] == case_id)


@pytest.mark.parametrize("case_id", CLASSIC_TRIMP_CASES)
def test_banister_trimp_matches_the_classic_trimp_case(case_id: str) -> None:
    case = _trimp_case(case_id)
    given = case["inputs"]
    trimp = banister_trimp(
        given["duration_min"],
        given["avg_hr"],
        hr_rest=given["rest_hr"],
        hr_max=given["max_hr"],
        sex=SEX[given["sex"]],
        settings=HeartRateSettings(),
    )
    assert float(trimp) == pytest.approx(case["expected"]["banister_classic"], abs=TOLERANCE)


def test_male_trimp_equals_goldencheetah_trimp_points() -> None:
    for case_id in ("easy45_m", "long90_m", "hard20_m", "fractional_hr_m"):
        case = _trimp_case(case_id)
        given = case["inputs"]
        trimp = banister_trimp(
            given["duration_min"],
            given["avg_hr"],
            hr_rest=given["rest_hr"],
            hr_max=given["max_hr"],
            sex=Sex.MALE,
            settings=HeartRateSettings(),
        )
        assert float(trimp) == pytest.approx(case["expected"]["gc_trimp_points"], abs=TOLERANCE)


def test_unknown_sex_weighs_with_the_mean_of_the_male_and_female_weightings() -> None:
    given = _trimp_case("steady60_f")["inputs"]

    def trimp(sex: Sex | None) -> float:
        value = banister_trimp(
            60,
            150,
            hr_rest=given["rest_hr"],
            hr_max=given["max_hr"],
            sex=sex,
            settings=HeartRateSettings(),
        )
        return float(value)

    as_male, as_female, unknown = trimp(Sex.MALE), trimp(Sex.FEMALE), trimp(None)
    assert as_female == pytest.approx(127.7721665, abs=TOLERANCE)
    assert unknown == pytest.approx((as_male + as_female) / 2, abs=1e-9)
    assert as_male < unknown < as_female


@pytest.mark.parametrize("case", VECTORS["rtss"], ids=lambda case: case["id"])
def test_running_stress_matches_the_rtss_case(case: dict[str, Any]) -> None:
    given = case["inputs"]
    stress = running_stress(
        np.array([given["moving_time_s"]], dtype=float),
        np.array([given["ngp_s_per_km"]], dtype=float),
        given["threshold_pace_s_per_km"],
    )
    assert float(stress[0]) == pytest.approx(case["expected"]["rtss"], abs=TOLERANCE)


SERIES = VECTORS["series_120d"]
DAILY = SERIES["daily"]
LOAD = np.array([row["load"] for row in DAILY], dtype=float)


def _expected(name: str) -> np.ndarray:
    return np.array([math.nan if row[name] is None else row[name] for row in DAILY], dtype=float)


@pytest.mark.parametrize(
    ("vector", "curve"),
    [
        ("gc_ctl", "ctl"),
        ("gc_atl", "atl"),
        ("gc_tsb", "tsb"),
        ("ewma_acute7", "acute_ewma"),
        ("ewma_chronic28", "chronic_ewma"),
    ],
)
def test_series_matches_the_goldencheetah_and_williams_vectors_every_day(
    vector: str, curve: str
) -> None:
    curves = load_curves(LOAD, SeriesSettings())
    np.testing.assert_allclose(getattr(curves, curve), _expected(vector), rtol=0, atol=TOLERANCE)


def test_form_is_yesterdays_chronic_minus_yesterdays_acute_as_goldencheetah() -> None:
    curves = load_curves(LOAD, SeriesSettings())
    assert curves.tsb[0] == 0.0
    np.testing.assert_allclose(curves.tsb[1:], (curves.ctl - curves.atl)[:-1], atol=1e-12)


def test_ewma_ratio_matches_williams_2017_once_28_days_of_history_exist() -> None:
    curves = load_curves(LOAD, SeriesSettings())
    expected = _expected("acwr_ewma")
    assert np.isnan(curves.acwr[:27]).all()
    np.testing.assert_allclose(curves.acwr[27:], expected[27:], rtol=0, atol=TOLERANCE)


def test_rolling_coupled_ratio_matches_the_7_over_28_day_vector() -> None:
    curves = load_curves(LOAD, SeriesSettings())
    np.testing.assert_allclose(
        curves.acwr_rolling, _expected("acwr_ra_coupled"), rtol=0, atol=TOLERANCE
    )


def test_weekly_monotony_strain_and_distance_change_match_the_runalyze_vectors() -> None:
    start = day_number(date.fromisoformat(SERIES["start"]))
    distance_m = np.array([row["distance_km"] for row in DAILY]) * 1000.0
    curves = load_curves(LOAD, SeriesSettings())
    weeks = weekly_loads(
        start, LOAD, distance_m, curves.acwr, start + len(DAILY) - 1, SeriesSettings()
    )
    assert len(weeks) == 18  # 17 whole weeks and day 120 alone
    for week, expected in zip(weeks, SERIES["weekly"], strict=False):
        assert week.week_start.isoformat() == expected["start"]
        assert week.distance_m / 1000 == pytest.approx(expected["km"], abs=1e-9)
        assert week.monotony == pytest.approx(expected["monotony_runalyze"], abs=TOLERANCE)
        assert week.strain == pytest.approx(expected["strain_runalyze"], abs=1e-5)
        if expected["km_change_vs_prev"] is None:
            assert week.change_vs_previous is None
        else:
            assert week.change_vs_previous == pytest.approx(expected["km_change_vs_prev"], abs=1e-6)
    assert weeks[-1].monotony is None  # a one-day week is not a week yet


def test_monotony_uses_the_population_sd_like_runalyzes_own_test() -> None:
    case = VECTORS["runalyze_monotony_test"][0]
    week = np.array(case["inputs"]["week"], dtype=float)
    weeks = weekly_loads(0 - 3, week, np.zeros(7), np.full(7, np.nan), 3, SeriesSettings())
    assert weeks[0].monotony == pytest.approx(case["expected"]["monotony"], abs=TOLERANCE)
    assert weeks[0].strain == pytest.approx(case["expected"]["strain"], abs=1e-5)


@pytest.mark.shared
def test_our_copy_of_the_reference_figures_matches_the_shared_fixture(shared_dir: Path) -> None:
    shared = json.loads((shared_dir / "fixtures" / "load-vectors.json").read_text())
    for ours, theirs in zip(DAILY, shared["series_120d"]["daily"], strict=True):
        for name in ("load", "gc_ctl", "gc_atl", "gc_tsb"):
            assert ours[name] == theirs[name]
    for case in VECTORS["trimp_single_activity"]:
        original = next(c for c in shared["trimp_single_activity"] if c["id"] == case["id"])
        assert (
            case["expected"]["banister_classic"]
            == original["expected"]["banister_classic_0.86_female"]
        )

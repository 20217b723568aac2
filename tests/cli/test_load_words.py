"""`syncsvc load` and its chart: no ratio from under 3 weeks of runs, and the chart says why."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import at, run

GPX = Path(__file__).parents[1] / "sources" / "fixtures" / "park_loop.gpx"  # Sun 2 Aug 2026


def test_with_under_three_weeks_of_runs_the_ratio_is_left_out_and_said_why(
    tmp_path: Path,
) -> None:
    at("2026-08-10T08:00:00Z")
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    assert run(home, "import", str(GPX)).exit_code == 0
    chart = tmp_path / "load.png"
    result = run(home, "load", "--days", "10", "--plot", str(chart))
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "The ratio is left out before Sun 23 Aug" in said
    assert "under 3 weeks of runs" in said
    rows = [line for line in result.stdout.splitlines() if "Aug" in line and "│" in line]
    before = [line for line in rows if any(f" {d} Aug" in line for d in range(1, 23))]
    assert before
    assert all(line.rstrip().rstrip("│").rstrip().endswith("│") for line in before)
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_the_demo_history_shows_the_ratio(demo_home: Path) -> None:
    result = run(demo_home, "load", "--days", "7")
    assert result.exit_code == 0, result.output
    assert "The ratio is left out" not in result.stdout

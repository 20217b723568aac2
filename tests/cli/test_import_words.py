"""`syncsvc import`: honest counts, exit 1 when nothing could be read, future dates warned."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import at, run

GPX = Path(__file__).parents[1] / "sources" / "fixtures" / "park_loop.gpx"


def _home(tmp_path: Path) -> Path:
    at("2026-11-23T05:30:00Z")
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    return home


def test_a_folder_of_bad_files_reads_nothing_and_exits_1(tmp_path: Path) -> None:
    home = _home(tmp_path)
    folder = tmp_path / "bad"
    folder.mkdir()
    for n in range(6):
        (folder / f"run{n}.fit").write_bytes(b"junk")
    result = run(home, "import", str(folder))
    assert result.exit_code == 1
    assert result.stdout.startswith("Read 0 files (6 could not be read): nothing was imported.")
    missing = run(home, "import", str(tmp_path / "nothere.gpx"))
    assert missing.exit_code == 1


def test_some_files_read_is_exit_0_with_honest_counts(tmp_path: Path) -> None:
    home = _home(tmp_path)
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.gpx").write_bytes(GPX.read_bytes())
    (folder / "truncated.fit").write_bytes(b"\x0e\x10")
    result = run(home, "import", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Read 1 file (1 could not be read): 1 new")


def test_a_future_dated_activity_imports_with_a_warning(tmp_path: Path) -> None:
    home = _home(tmp_path)
    future = tmp_path / "future.gpx"
    future.write_text(GPX.read_text().replace("2026-08-02", "2027-08-02"))
    result = run(home, "import", str(future))
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Read 1 file: 1 new" in said
    assert "in the future: imported all the same" in said

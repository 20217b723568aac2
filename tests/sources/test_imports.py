"""`syncsvc import`: FIT/GPX/TCX (gzipped too), folders, and both bulk-export layouts."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from syncsvc.config import Settings
from syncsvc.domain import Activity, Athlete, Source, SourceRecord, Sport
from syncsvc.sources.files import DamagedFile, parse_activity_file
from syncsvc.sources.imports import import_paths
from syncsvc.sources.ingest import remerge
from syncsvc.sources.settings import MergeSettings
from syncsvc.store.database import Store
from tests.sources.conftest import FIXTURES
from tests.sources.fit_writer import FitRun, encode_fit

RUN = FitRun(datetime(2026, 6, 7, 5, 0, tzinfo=UTC), 3000, 10_000, 150, 172, utc_offset_s=7200)
STRENGTH = FitRun(datetime(2026, 6, 8, 16, 0, tzinfo=UTC), 1500, 0, sport="strength_training")


def merged(store: Store, athlete: Athlete) -> list:
    with store.read() as tx:
        return tx.athlete(athlete.id).activities.merged()


def test_gpx_and_tcx_files_give_their_summaries(
    store: Store, settings: Settings, athlete: Athlete
) -> None:
    report = import_paths(
        store, settings, athlete, [FIXTURES / "park_loop.gpx", FIXTURES / "track_session.tcx"]
    )

    assert (report.files, report.new, report.damaged) == (2, 2, [])
    gpx, tcx = merged(store, athlete)
    assert gpx.sport is Sport.RUN
    assert gpx.name == "Park loop"
    assert gpx.avg_hr == pytest.approx(141.0)
    assert gpx.max_hr == 154
    assert gpx.distance_m == pytest.approx(1500, rel=0.01)
    assert gpx.utc_offset_s == 7200  # from the profile
    assert gpx.timezone == "Europe/Berlin"
    assert tcx.moving_s == 1000
    assert tcx.distance_m == 3500
    assert tcx.max_hr == 175
    assert tcx.avg_hr == pytest.approx(150.0)


def test_importing_the_same_file_twice_plain_or_gzipped_adds_nothing(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    plain = tmp_path / "run.fit"
    plain.write_bytes(encode_fit(RUN))
    zipped = tmp_path / "copy.fit.gz"
    zipped.write_bytes(gzip.compress(encode_fit(RUN)))

    first = import_paths(store, settings, athlete, [plain])
    second = import_paths(store, settings, athlete, [plain, zipped])

    assert first.new == 1
    assert (second.new, second.unchanged) == (0, 2)
    assert len(merged(store, athlete)) == 1


def test_a_damaged_fit_file_is_reported_and_the_rest_imports(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "good.fit").write_bytes(encode_fit(RUN))
    (folder / "broken.fit").write_bytes(encode_fit(RUN)[:30])
    (folder / "noise.fit.gz").write_bytes(b"\x1f\x8b not really gzip")
    (folder / "notes.txt").write_text("ignored")

    report = import_paths(store, settings, athlete, [folder])

    assert report.new == 1
    assert sorted(Path(name).name for name, _ in report.damaged) == ["broken.fit", "noise.fit.gz"]
    with pytest.raises(DamagedFile):
        parse_activity_file("broken.fit", encode_fit(RUN)[:30], athlete_timezone="UTC")


def strava_export(path: Path) -> Path:
    """Strava's bulk export: activities.csv beside activities/<id>.fit.gz, .gpx, .tcx.gz."""
    rows = [
        {
            "Activity ID": "101",
            "Activity Date": "Jun 7, 2026, 5:00:00 AM",
            "Activity Name": "Sunday long",
            "Activity Type": "Run",
            "Filename": "activities/101.fit.gz",
        },
        {
            "Activity ID": "102",
            "Activity Date": "Jun 8, 2026, 4:00:00 PM",
            "Activity Name": "Gym",
            "Activity Type": "Weight Training",
            "Filename": "activities/102.fit.gz",
        },
        {
            "Activity ID": "103",
            "Activity Date": "Aug 2, 2026, 6:00:00 AM",
            "Activity Name": "Loop",
            "Activity Type": "Run",
            "Filename": "activities/103.gpx",
        },
        {
            "Activity ID": "104",
            "Activity Date": "Aug 5, 2026, 5:10:00 PM",
            "Activity Name": "Track",
            "Activity Type": "Run",
            "Filename": "activities/104.tcx.gz",
        },
        {
            "Activity ID": "105",
            "Activity Date": "Aug 6, 2026, 5:10:00 PM",
            "Activity Name": "Manual entry",
            "Activity Type": "Run",
            "Filename": "",
        },
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activities.csv", text.getvalue())
        archive.writestr("activities/101.fit.gz", gzip.compress(encode_fit(RUN)))
        archive.writestr("activities/102.fit.gz", gzip.compress(encode_fit(STRENGTH)))
        archive.writestr("activities/103.gpx", (FIXTURES / "park_loop.gpx").read_bytes())
        archive.writestr(
            "activities/104.tcx.gz", gzip.compress((FIXTURES / "track_session.tcx").read_bytes())
        )
        archive.writestr("profile.csv", "Athlete ID\n1\n")
    return path


def garmin_export(path: Path) -> Path:
    """Garmin's bulk export: FITs in DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*.zip."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as uploaded:
        uploaded.writestr("ana@example.com_21000000001.fit", encode_fit(RUN))
        uploaded.writestr("ana@example.com_21000000002.fit", encode_fit(STRENGTH))
    second = io.BytesIO()
    with zipfile.ZipFile(second, "w") as uploaded:
        uploaded.writestr(
            "ana@example.com_21000000009.fit",
            encode_fit(FitRun(datetime(2026, 6, 10, 5, 0, tzinfo=UTC), 2400, 8000, 140, 160)),
        )
    with zipfile.ZipFile(path, "w") as archive:
        base = "DI_CONNECT/DI-Connect-Uploaded-Files/"
        archive.writestr(base + "UploadedFiles_0-_Part1.zip", inner.getvalue())
        archive.writestr(base + "UploadedFiles_0-_Part2.zip", second.getvalue())
        archive.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", "{}")
    return path


def test_the_strava_export_layout_imports_with_names_and_sports_from_its_csv(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    report = import_paths(store, settings, athlete, [strava_export(tmp_path / "export_1.zip")])

    assert (report.files, report.new, report.damaged) == (4, 4, [])
    activities = {a.name: a for a in merged(store, athlete)}
    assert set(activities) == {"Sunday long", "Gym", "Loop", "Track"}
    assert activities["Gym"].sport is Sport.STRENGTH
    assert activities["Sunday long"].utc_offset_s == 7200


def test_the_garmin_export_layout_imports_its_nested_fit_files(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    report = import_paths(store, settings, athlete, [garmin_export(tmp_path / "garmin.zip")])

    assert (report.files, report.new) == (3, 3)
    sports = sorted(a.sport.value for a in merged(store, athlete))
    assert sports == ["run", "run", "strength"]


def test_both_exports_of_the_same_runs_count_each_run_once(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    import_paths(store, settings, athlete, [strava_export(tmp_path / "s.zip")])
    report = import_paths(store, settings, athlete, [garmin_export(tmp_path / "g.zip")])

    assert report.new == 1  # the run and the strength file are byte-identical: same records
    assert len(merged(store, athlete)) == 5


def test_an_imported_file_merges_with_the_same_run_from_an_api(
    store: Store, settings: Settings, athlete: Athlete, tmp_path: Path
) -> None:
    with store.write() as tx:
        repository = tx.athlete(athlete.id).activities
        repository.upsert_many(
            [
                SourceRecord(
                    Activity(
                        source=Source.STRAVA,
                        source_id="9",
                        start_utc=RUN.start_utc,
                        sport=Sport.RUN,
                        sport_raw="Run",
                        distance_m=10_050,
                        moving_s=2990,
                        avg_hr=None,
                    ),
                    {},
                )
            ]
        )
        remerge(repository, RUN.start_utc, RUN.start_utc, MergeSettings())
    path = tmp_path / "run.fit"
    path.write_bytes(encode_fit(RUN))

    report = import_paths(store, settings, athlete, [path])

    assert report.merged == 1
    [activity] = merged(store, athlete)
    assert activity.source is Source.FILE  # it has heart rate
    assert set(activity.sources) == {Source.STRAVA, Source.FILE}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "start", "distance_m", "avg_hr"),
    [
        (
            "fit/fr110_2013-02-06_run_hr.fit",
            datetime(2013, 2, 6, 12, 11, 14, tzinfo=UTC),
            4835.4,
            147,
        ),
        (
            "fit/fenix5_2017-06-11_short_run_hr.fit",
            datetime(2017, 6, 11, 14, 34, 9, tzinfo=UTC),
            157.6,
            90,
        ),
        (
            "fit/strava_android_2021-09-27_run_nohr.fit",
            datetime(2021, 9, 27, 14, 13, 10, tzinfo=UTC),
            11274.0,
            None,
        ),
        (
            "tcx/forerunner410_2012-12-26_running.tcx",
            datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC),
            4689.2,
            157,
        ),
    ],
)
def test_real_fit_and_tcx_files_import_with_their_reference_figures(
    store: Store,
    settings: Settings,
    athlete: Athlete,
    shared_dir: Path,
    name: str,
    start: datetime,
    distance_m: float,
    avg_hr: int | None,
) -> None:
    report = import_paths(store, settings, athlete, [shared_dir / "fixtures" / name])

    assert (report.new, report.damaged) == (1, [])
    [activity] = merged(store, athlete)
    assert activity.start_utc == start
    assert activity.sport is Sport.RUN
    assert activity.distance_m == pytest.approx(distance_m, abs=0.1)
    if avg_hr is None:
        assert activity.avg_hr is None
    else:
        assert activity.avg_hr == pytest.approx(avg_hr, abs=0.5)
    assert activity.local_date >= date(2012, 12, 26)

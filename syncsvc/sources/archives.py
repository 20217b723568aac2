"""Walk what `syncsvc import` is given: files, folders, and the bulk-export archives.

Both export layouts are read as they really come:
- Strava's export zip: `activities.csv` (one row per activity, with `Activity ID`,
  `Activity Name`, `Activity Type` and `Filename`) beside `activities/<id>.fit.gz`,
  `.gpx`, `.tcx.gz`; the CSV names and sports the files.
- Garmin's export zip: FIT files inside nested zips,
  `DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*.zip`.
Any zip inside a zip is opened (spooled to a temporary file past a few MB), so
both layouts need no special case beyond reading the CSV.

Users import what they are sent, and a few MB of nested zips can decompress to
gigabytes or hold millions of files. So each archive (nested ones included) has
one budget: at most `MAX_ARCHIVE_ENTRIES` entries, `MAX_ARCHIVE_BYTES`
decompressed and `MAX_ZIP_DEPTH` levels. A zip's central directory is checked
against the budget before any of its entries is read, so a bomb is refused at
once; what was imported before a nested zip tripped it stays.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from syncsvc.sources.files import FileHints, activity_format, max_bytes, too_large

MAX_ZIP_DEPTH = 3
"""The export zip is level 1; Garmin's UploadedFiles_*.zip inside it is level 2."""
MAX_ARCHIVE_ENTRIES = 200_000
MAX_ARCHIVE_BYTES = 16 * 1024**3
"""Decompressed bytes of one archive, nested zips included (a decade of exports is a
few GB)."""
MAX_CSV_BYTES = 64 * 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024
"""A nested zip up to this size is opened in memory; a larger one from a temporary file."""


class ArchiveRefused(Exception):
    """The archive is over its budget: nothing more of it is read."""


@dataclass
class Budget:
    """What is left of one archive's entry, byte and nesting allowance."""

    entries: int = MAX_ARCHIVE_ENTRIES
    decompressed: int = MAX_ARCHIVE_BYTES

    def admit(self, archive: zipfile.ZipFile) -> None:
        infos = archive.infolist()
        self.entries -= len(infos)
        if self.entries < 0:
            raise ArchiveRefused(
                f"holds more than {MAX_ARCHIVE_ENTRIES:,} entries (nested archives included); "
                "not read further"
            )
        wanted = sum(info.file_size for info in infos if _wanted(info.filename))
        self.decompressed -= wanted
        if self.decompressed < 0:
            raise ArchiveRefused(
                f"decompresses to more than {MAX_ARCHIVE_BYTES // 1024**3} GB "
                "(nested archives included); not read further"
            )


def _wanted(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(".zip") or activity_format(name) is not None


@dataclass(frozen=True, slots=True)
class Entry:
    """One activity file found, or (`problem` set) one that could not be read."""

    name: str
    data: bytes = b""
    hints: FileHints = field(default_factory=FileHints)
    problem: str = ""


def _strava_index(archive: zipfile.ZipFile) -> dict[str, FileHints]:
    """Strava's activities.csv: file path inside the zip → name and sport."""
    names = [name for name in archive.namelist() if name.rsplit("/", 1)[-1] == "activities.csv"]
    if not names:
        return {}
    prefix = names[0][: -len("activities.csv")]
    if archive.getinfo(names[0]).file_size > MAX_CSV_BYTES:
        return {}
    text = archive.read(names[0]).decode("utf-8-sig", errors="replace")
    index: dict[str, FileHints] = {}
    for row in csv.DictReader(io.StringIO(text)):
        filename = (row.get("Filename") or "").strip()
        if filename:
            index[prefix + filename] = FileHints(
                name=(row.get("Activity Name") or "").strip(),
                sport_raw=(row.get("Activity Type") or "").strip(),
                export_id=(row.get("Activity ID") or "").strip(),
            )
    return index


def _walk_zip(label: str, archive: zipfile.ZipFile, depth: int, budget: Budget) -> Iterator[Entry]:
    budget.admit(archive)
    index = _strava_index(archive)
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = f"{label}!{info.filename}"
        is_zip = info.filename.lower().endswith(".zip")
        if not is_zip and activity_format(info.filename) is None:
            continue
        if is_zip and depth + 1 > MAX_ZIP_DEPTH:
            yield Entry(name, problem="archives nested too deep")
            continue
        if not is_zip and info.file_size > max_bytes(info.filename):
            yield Entry(name, problem=too_large(info.filename))
            continue
        try:
            if is_zip:
                with _spooled(archive, info) as nested, zipfile.ZipFile(nested) as inner:
                    yield from _walk_zip(name, inner, depth + 1, budget)
                continue
            data = archive.read(info)
        except zipfile.BadZipFile as error:
            yield Entry(name, problem=f"not a readable zip ({error})")
            continue
        except (OSError, EOFError) as error:
            yield Entry(name, problem=f"cannot be read from the archive ({error})")
            continue
        yield Entry(name, data, index.get(info.filename, FileHints()))


def _spooled(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> tempfile.SpooledTemporaryFile[bytes]:
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=SPOOL_BYTES
    )  # the caller closes it (`with`)
    with archive.open(info) as source:
        shutil.copyfileobj(source, spool, 1024 * 1024)
    spool.seek(0)
    return spool


def _walk_top(label: str, archive: zipfile.ZipFile, budget: Budget) -> Iterator[Entry]:
    try:
        yield from _walk_zip(label, archive, 1, budget)
    except ArchiveRefused as refused:
        yield Entry(label, problem=f"archive refused: it {refused}")


def walk(paths: list[Path], budget_of: Callable[[], Budget] = Budget) -> Iterator[Entry]:
    """Every activity file under the given paths, archives opened, in a stable order.

    `budget_of` gives each archive its budget (the defaults unless a test asks)."""
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from walk(
                budget_of=budget_of,
                paths=[
                    child
                    for child in children
                    if activity_format(child.name) is not None or child.suffix.lower() == ".zip"
                ],
            )
            continue
        if not path.exists():
            yield Entry(str(path), problem="no such file")
            continue
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    yield from _walk_top(str(path), archive, budget_of())
            except (zipfile.BadZipFile, OSError) as error:
                yield Entry(str(path), problem=f"not a readable zip ({error})")
            continue
        if activity_format(path.name) is None:
            yield Entry(str(path), problem="not a FIT, GPX or TCX file (or .gz, or a .zip export)")
            continue
        try:
            if path.stat().st_size > max_bytes(path.name):
                yield Entry(str(path), problem=too_large(path.name))
                continue
            yield Entry(str(path), path.read_bytes())
        except OSError as error:
            yield Entry(str(path), problem=f"cannot be read ({error.strerror})")

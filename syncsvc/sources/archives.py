"""Walk what `syncsvc import` is given: files, folders, and the bulk-export archives.

Both export layouts are read as they really come:
- Strava's export zip: `activities.csv` (one row per activity, with `Activity ID`,
  `Activity Name`, `Activity Type` and `Filename`) beside `activities/<id>.fit.gz`,
  `.gpx`, `.tcx.gz`; the CSV names and sports the files.
- Garmin's export zip: FIT files inside nested zips,
  `DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*.zip`.
Any zip inside a zip is opened in memory, so both layouts need no special case
beyond reading the CSV.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from syncsvc.sources.files import MAX_FILE_BYTES, FileHints, activity_format

MAX_ZIP_DEPTH = 3


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


def _walk_zip(label: str, archive: zipfile.ZipFile, depth: int) -> Iterator[Entry]:
    index = _strava_index(archive)
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = f"{label}!{info.filename}"
        lowered = info.filename.lower()
        is_zip = lowered.endswith(".zip")
        if not is_zip and activity_format(info.filename) is None:
            continue
        if info.file_size > MAX_FILE_BYTES:
            yield Entry(name, problem="too large")
            continue
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            yield Entry(name, problem=f"cannot be read from the archive ({error})")
            continue
        if is_zip:
            yield from _walk_bytes(name, data, depth + 1)
        else:
            yield Entry(name, data, index.get(info.filename, FileHints()))


def _walk_bytes(label: str, data: bytes, depth: int) -> Iterator[Entry]:
    if depth > MAX_ZIP_DEPTH:
        yield Entry(label, problem="archives nested too deep")
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            yield from _walk_zip(label, archive, depth)
    except zipfile.BadZipFile as error:
        yield Entry(label, problem=f"not a readable zip ({error})")


def walk(paths: list[Path]) -> Iterator[Entry]:
    """Every activity file under the given paths, archives opened, in a stable order."""
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from walk(
                [
                    child
                    for child in children
                    if activity_format(child.name) is not None or child.suffix.lower() == ".zip"
                ]
            )
            continue
        if not path.exists():
            yield Entry(str(path), problem="no such file")
            continue
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    yield from _walk_zip(str(path), archive, 1)
            except (zipfile.BadZipFile, OSError) as error:
                yield Entry(str(path), problem=f"not a readable zip ({error})")
            continue
        if activity_format(path.name) is None:
            yield Entry(str(path), problem="not a FIT, GPX or TCX file (or .gz, or a .zip export)")
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                yield Entry(str(path), problem="too large")
                continue
            yield Entry(str(path), path.read_bytes())
        except OSError as error:
            yield Entry(str(path), problem=f"cannot be read ({error.strerror})")

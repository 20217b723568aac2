"""FIT, GPX and TCX files (plain or gzipped) to source records.

A file's record id is the SHA-256 of its decompressed bytes, so importing the same
file twice (or once plain and once gzipped) adds nothing. The raw payload kept is
the parsed summary. FIT files may carry their local offset (`activity.local_timestamp`);
GPX and TCX files do not, so their local time comes from the athlete's time zone.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import defusedxml
import defusedxml.ElementTree as safe_tree

from syncsvc.domain import Activity, Source, SourceRecord, Sport
from syncsvc.sources.sports import UnknownSport, garmin_sport, strava_sport

FILE_SUFFIXES = (".fit", ".gpx", ".tcx")
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_XML_BYTES = 32 * 1024 * 1024
"""Largest GPX or TCX taken (decompressed). A whole day at one point a second is about
10 MB; parsing XML costs many times its size in memory, so a larger file is refused
before it is read, with this size in the message."""
GZIP_MAGIC = b"\x1f\x8b"
RUN_SPEED_RANGE_M_S = (1.8, 6.5)
"""A file naming no sport is read as a run when its average speed is a running one."""


class DamagedFile(ValueError):
    """A file that cannot be read as an activity; the import reports it and goes on."""


@dataclass(frozen=True, slots=True)
class FileHints:
    """What an export's index says about a file (Strava's activities.csv)."""

    name: str = ""
    sport_raw: str = ""
    export_id: str = ""


def activity_format(name: str) -> str | None:
    """ "fit", "gpx" or "tcx" from a file name (".gz" allowed), else None."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    for suffix in FILE_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix[1:]
    return None


def max_bytes(name: str) -> int:
    """The size limit of a file of this name: XML formats have a smaller one."""
    return MAX_XML_BYTES if activity_format(name) in ("gpx", "tcx") else MAX_FILE_BYTES


def too_large(name: str) -> str:
    limit_mb = max_bytes(name) // (1024 * 1024)
    kind = (activity_format(name) or "file").upper()
    return f"too large: a {kind} file over {limit_mb} MB is not imported"


def _decompressed(data: bytes, limit: int) -> bytes:
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            content = handle.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DamagedFile(f"broken gzip ({error})") from None
    if len(content) > limit:
        raise DamagedFile(f"too large once decompressed (over {limit // (1024 * 1024)} MB)")
    return content


def _local_offset(start_utc: datetime, zone_name: str) -> tuple[int, str | None]:
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return 0, None
    offset = start_utc.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds()), zone_name


def _sport(sport_raw: str, hints: FileHints, speed_m_s: float | None) -> tuple[Sport, str]:
    if hints.sport_raw:
        try:
            return strava_sport(hints.sport_raw.replace(" ", "")), hints.sport_raw
        except UnknownSport:
            pass
    if sport_raw:
        try:
            return garmin_sport(sport_raw), sport_raw
        except UnknownSport:
            pass
    low, high = RUN_SPEED_RANGE_M_S
    if speed_m_s is not None and low <= speed_m_s <= high:
        return Sport.RUN, sport_raw or "unknown"
    return Sport.OTHER, sport_raw or "unknown"


def parse_xml(content: bytes) -> Any:
    """The root element, parsed by defusedxml with DTDs and entities forbidden.

    Activity XML never needs a DTD. expat reads the declared encoding itself, so
    a UTF-16 "billion laughs" is refused like a UTF-8 one (a byte search for
    `<!DOCTYPE` missed it). This never goes through lxml, whatever is installed.
    """
    try:
        return safe_tree.fromstring(content, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise DamagedFile("XML with a DTD is not an activity file") from None
    except (safe_tree.ParseError, ValueError) as error:  # ValueError: an encoding expat lacks
        raise DamagedFile(f"not readable as XML ({error})") from None


# ---------------------------------------------------------------- FIT


def _fit_summary(content: bytes) -> dict[str, Any]:
    import fitdecode

    session: dict[str, Any] | None = None
    activity: dict[str, Any] = {}
    problem = ""
    try:
        with fitdecode.FitReader(
            io.BytesIO(content),
            check_crc=fitdecode.CrcCheck.DISABLED,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "session" and session is None:
                    session = {f.name: f.value for f in frame.fields if f.name}
                elif frame.name == "activity":
                    activity = {f.name: f.value for f in frame.fields if f.name}
    except fitdecode.FitError as error:
        problem = str(error)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        problem = f"{type(error).__name__}: {error}"
    if session is None or not isinstance(session.get("start_time"), datetime):
        raise DamagedFile(f"no readable session ({problem or 'none in the file'})")
    start = session["start_time"].astimezone(UTC)
    summary: dict[str, Any] = {
        "format": "fit",
        "start_utc": start.isoformat(),
        "sport": str(session.get("sport") or ""),
        "sub_sport": str(session.get("sub_sport") or ""),
        "distance_m": _float(session.get("total_distance")),
        "moving_s": _float(session.get("total_timer_time")),
        "elapsed_s": _float(session.get("total_elapsed_time")),
        "avg_hr": _float(session.get("avg_heart_rate")),
        "max_hr": _float(session.get("max_heart_rate")),
        "elevation_gain_m": _float(session.get("total_ascent")),
        "device_load": None,
    }
    local = activity.get("local_timestamp")
    stamp = activity.get("timestamp")
    if isinstance(local, datetime) and isinstance(stamp, datetime):
        local_naive = local.replace(tzinfo=None)
        offset = local_naive - stamp.astimezone(UTC).replace(tzinfo=None)
        summary["utc_offset_s"] = round(offset.total_seconds() / 900) * 900
    if problem:
        summary["problem"] = f"read up to an error: {problem}"
    return summary


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# ---------------------------------------------------------------- GPX


def _gpx(content: bytes) -> Any:
    """gpxpy's GPX object, built from our own (defused) parse.

    `gpxpy.parse` picks lxml by itself when it is installed; so the tree comes
    from `parse_xml` and only gpxpy's field reader runs, on the tree gpxpy's
    parser would have built (the default namespace removed).
    """
    import gpxpy.gpx
    import gpxpy.gpxfield

    root = parse_xml(content)
    default = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if default:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.startswith(default):
                element.tag = element.tag[len(default) :]
    if root.tag != "gpx":
        raise DamagedFile("not readable as GPX (no gpx root element)")
    gpx = gpxpy.gpx.GPX()
    try:
        gpxpy.gpxfield.gpx_fields_from_xml(gpx, root, root.get("version"))
    except (gpxpy.gpx.GPXException, ValueError) as error:
        raise DamagedFile(f"not readable as GPX ({error})") from None
    return gpx


def _gpx_summary(content: bytes) -> dict[str, Any]:
    gpx = _gpx(content)
    bounds = gpx.get_time_bounds()
    if bounds.start_time is None:
        raise DamagedFile("GPX without times")
    heart_rates: list[float] = []
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                for extension in point.extensions:
                    for element in extension.iter():
                        if str(element.tag).lower().endswith("hr") and element.text:
                            try:
                                heart_rates.append(float(element.text))
                            except ValueError:
                                continue
    moving = gpx.get_moving_data()
    elapsed = (bounds.end_time - bounds.start_time).total_seconds() if bounds.end_time else None
    sport = next((track.type for track in gpx.tracks if track.type), "") or ""
    return {
        "format": "gpx",
        "start_utc": bounds.start_time.astimezone(UTC).isoformat(),
        "sport": sport,
        "sub_sport": "",
        "distance_m": round(gpx.length_2d(), 1),
        "moving_s": float(moving.moving_time) if moving and moving.moving_time else elapsed,
        "elapsed_s": elapsed,
        "avg_hr": round(sum(heart_rates) / len(heart_rates), 1) if heart_rates else None,
        "max_hr": max(heart_rates) if heart_rates else None,
        "elevation_gain_m": None,
        "name": next((track.name for track in gpx.tracks if track.name), "") or (gpx.name or ""),
    }


# ---------------------------------------------------------------- TCX

TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"


def _tcx_summary(content: bytes) -> dict[str, Any]:
    root = parse_xml(content)
    activity = root.find(f"{TCX}Activities/{TCX}Activity")
    if activity is None:
        raise DamagedFile("TCX without an activity")
    laps = activity.findall(f"{TCX}Lap")
    start_text = activity.findtext(f"{TCX}Id") or (laps[0].get("StartTime") if laps else None)
    if not start_text:
        raise DamagedFile("TCX without a start time")
    try:
        start = datetime.fromisoformat(start_text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DamagedFile(f"bad TCX start {start_text!r}") from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    total_s = sum(_lap_float(lap, "TotalTimeSeconds") for lap in laps)
    distance = sum(_lap_float(lap, "DistanceMeters") for lap in laps)
    heart_rates = [
        float(value.text)
        for value in activity.iter(f"{TCX}HeartRateBpm")
        for value in value.iter(f"{TCX}Value")
        if value.text
    ]
    maxima = [
        float(value.text)
        for lap in laps
        for node in lap.findall(f"{TCX}MaximumHeartRateBpm")
        for value in node.iter(f"{TCX}Value")
        if value.text
    ]
    return {
        "format": "tcx",
        "start_utc": start.astimezone(UTC).isoformat(),
        "sport": activity.get("Sport", ""),
        "sub_sport": "",
        "distance_m": round(distance, 1) if laps else None,
        "moving_s": round(total_s, 1) if laps else None,
        "elapsed_s": round(total_s, 1) if laps else None,
        "avg_hr": round(sum(heart_rates) / len(heart_rates), 1) if heart_rates else None,
        "max_hr": max(maxima or heart_rates) if (maxima or heart_rates) else None,
        "elevation_gain_m": None,
    }


def _lap_float(lap: Any, tag: str) -> float:
    text = lap.findtext(f"{TCX}{tag}")
    try:
        return float(text) if text else 0.0
    except ValueError:
        return 0.0


# ---------------------------------------------------------------- records

SUMMARISERS = {"fit": _fit_summary, "gpx": _gpx_summary, "tcx": _tcx_summary}


def parse_activity_file(
    name: str, data: bytes, *, athlete_timezone: str, hints: FileHints = FileHints()
) -> SourceRecord:
    """One file's record; DamagedFile says why it cannot be read."""
    kind = activity_format(name)
    if kind is None:
        raise DamagedFile("not a FIT, GPX or TCX file")
    if len(data) > max_bytes(name):
        raise DamagedFile(too_large(name))
    content = _decompressed(data, max_bytes(name))
    if not content:
        raise DamagedFile("empty file")
    digest = hashlib.sha256(content).hexdigest()
    summary = SUMMARISERS[kind](content)
    start = datetime.fromisoformat(summary["start_utc"])
    if "utc_offset_s" in summary:
        offset_s, zone = int(summary["utc_offset_s"]), None
    else:
        offset_s, zone = _local_offset(start, athlete_timezone)
    distance = summary.get("distance_m")
    moving = summary.get("moving_s")
    speed = distance / moving if distance and moving else None
    sport_key = summary["sport"]
    if summary.get("sub_sport") == "strength_training":
        sport_key = "strength_training"
    sport, sport_raw = _sport(sport_key, hints, speed)
    if moving is None and summary.get("elapsed_s") is None:
        raise DamagedFile("no duration in the file")
    activity = Activity(
        source=Source.FILE,
        source_id=digest[:32],
        start_utc=start,
        utc_offset_s=offset_s,
        timezone=zone,
        sport=sport,
        sport_raw=sport_raw,
        name=hints.name or str(summary.get("name") or ""),
        distance_m=distance,
        moving_s=moving,
        elapsed_s=summary.get("elapsed_s"),
        avg_hr=summary.get("avg_hr"),
        max_hr=summary.get("max_hr"),
        elevation_gain_m=summary.get("elevation_gain_m"),
    )
    # The content, not the file name, identifies a record: a renamed copy changes nothing.
    raw: dict[str, Any] = {"sha256": digest, "summary": summary}
    if hints.export_id:
        raw["export_activity_id"] = hints.export_id
    return SourceRecord(activity, raw)

"""A tiny FIT encoder for test files: file_id, one session, one activity message.

Enough of the FIT protocol (header, definition and data messages, CRC-16) for
fitdecode to read a run summary, so the tests need no third-party FIT file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
CRC_TABLE = (
    0x0000,
    0xCC01,
    0xD801,
    0x1400,
    0xF001,
    0x3C00,
    0x2800,
    0xE401,
    0xA001,
    0x6C00,
    0x7800,
    0xB401,
    0x5000,
    0x9C01,
    0x8801,
    0x4400,
)
SPORTS = {"running": (1, 0), "cycling": (2, 0), "strength_training": (10, 20)}


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[byte & 0xF]
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[(byte >> 4) & 0xF]
    return crc


def _stamp(instant: datetime) -> int:
    return int((instant - FIT_EPOCH).total_seconds())


@dataclass(frozen=True)
class FitRun:
    start_utc: datetime
    elapsed_s: float
    distance_m: float
    avg_hr: int | None = None
    max_hr: int | None = None
    sport: str = "running"
    utc_offset_s: int | None = None


def _message(local: int, global_number: int, fields: list[tuple[int, str, int, int]]) -> bytes:
    """Definition + data: fields as (number, struct format, base type, value)."""
    definition = struct.pack("<BBBHB", 0x40 | local, 0, 0, global_number, len(fields))
    data = struct.pack("<B", local)
    for number, layout, base_type, value in fields:
        definition += struct.pack("<BBB", number, struct.calcsize(layout), base_type)
        data += struct.pack("<" + layout, value)
    return definition + data


def encode_fit(run: FitRun) -> bytes:
    start = _stamp(run.start_utc)
    end = start + int(run.elapsed_s)
    sport, sub_sport = SPORTS[run.sport]
    invalid8 = 0xFF
    body = _message(0, 0, [(0, "B", 0x00, 4), (1, "H", 0x84, 1), (4, "I", 0x86, start)])
    body += _message(
        1,
        18,
        [
            (253, "I", 0x86, end),
            (2, "I", 0x86, start),
            (7, "I", 0x86, int(run.elapsed_s * 1000)),
            (8, "I", 0x86, int(run.elapsed_s * 1000)),
            (9, "I", 0x86, int(run.distance_m * 100)),
            (5, "B", 0x00, sport),
            (6, "B", 0x00, sub_sport),
            (16, "B", 0x02, run.avg_hr if run.avg_hr is not None else invalid8),
            (17, "B", 0x02, run.max_hr if run.max_hr is not None else invalid8),
        ],
    )
    activity = [(253, "I", 0x86, end), (1, "H", 0x84, 1)]
    if run.utc_offset_s is not None:
        activity.append((5, "I", 0x86, end + run.utc_offset_s))
    body += _message(2, 34, activity)
    header = struct.pack("<BBHI4s", 14, 0x10, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    content = header + body
    return content + struct.pack("<H", crc16(content))

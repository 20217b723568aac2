"""Files users are sent: XML bombs in any encoding, oversized tracks, nested-zip archives."""

from __future__ import annotations

import io
import resource
import zipfile
from pathlib import Path

import pytest

from syncsvc.sources.archives import Budget, walk
from syncsvc.sources.files import MAX_XML_BYTES, DamagedFile, parse_activity_file

FIXTURES = Path(__file__).parent / "fixtures"
ZONE = "Europe/Berlin"


def billion_laughs(root: str, encoding: str) -> bytes:
    entities = "".join(
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10 if n else "lol"}">' for n in range(10)
    )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f"<!DOCTYPE {root} [{entities}]>\n<{root}>&l9;</{root}>"
    )
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "refusal"),
    [
        ("UTF-8", "DTD"),
        ("UTF-16", "DTD"),  # once past a byte search for "<!DOCTYPE"
        ("UTF-16-BE", "DTD|not readable"),  # expat may not read these at all: refused too
        ("UTF-32", "DTD|not readable"),
    ],
)
@pytest.mark.parametrize("kind", ["gpx", "tcx"])
def test_a_billion_laughs_is_refused_in_every_encoding_without_expanding(
    kind: str, encoding: str, refusal: str
) -> None:
    bomb = billion_laughs("gpx" if kind == "gpx" else "TrainingCenterDatabase", encoding)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(DamagedFile, match=refusal):
        parse_activity_file(f"bomb.{kind}", bomb, athlete_timezone=ZONE)

    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 50_000


def test_an_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<gpx version="1.1"><trk><name>&x;</name></trk></gpx>'
    ).encode()

    with pytest.raises(DamagedFile, match="DTD"):
        parse_activity_file("xxe.gpx", xxe, athlete_timezone=ZONE)


def test_our_gpx_parse_goes_through_defusedxml_even_when_gpxpy_would_use_lxml() -> None:
    """gpxpy picks lxml by itself when it is importable; our parse must not follow."""
    pytest.importorskip("lxml")
    import gpxpy.parser

    assert gpxpy.parser.library() == "LXML"  # gpxpy's own choice here would be lxml
    bomb = billion_laughs("gpx", "UTF-16")

    with pytest.raises(DamagedFile, match="DTD"):
        parse_activity_file("bomb.gpx", bomb, athlete_timezone=ZONE)
    record = parse_activity_file(
        "park_loop.gpx", (FIXTURES / "park_loop.gpx").read_bytes(), athlete_timezone=ZONE
    )
    assert (record.activity.distance_m or 0) > 1000


def test_a_gpx_over_the_size_limit_is_refused_unread_with_its_limit_named(tmp_path: Path) -> None:
    big = tmp_path / "big.gpx"
    with big.open("wb") as handle:
        handle.truncate(MAX_XML_BYTES + 1)  # sparse: no time spent writing it

    entries = list(walk([big]))

    assert [entry.problem for entry in entries] == [
        f"too large: a GPX file over {MAX_XML_BYTES // 2**20} MB is not imported"
    ]
    assert entries[0].data == b""


def test_a_gzipped_tcx_over_the_limit_is_refused_at_the_limit() -> None:
    import gzip

    packed = gzip.compress(b" " * (MAX_XML_BYTES + 10), compresslevel=1)

    with pytest.raises(DamagedFile, match="too large"):
        parse_activity_file("big.tcx.gz", packed, athlete_timezone=ZONE)


def nested_zip(fanout: int, depth: int, leaf: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(fanout):
            if depth == 1:
                archive.writestr(f"a{n}.gpx", leaf)
            else:
                archive.writestr(f"z{n}.zip", nested_zip(fanout, depth - 1, leaf))
    return buffer.getvalue()


def test_an_archive_over_its_entry_budget_is_refused_before_its_entries_are_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(nested_zip(8, 3, (FIXTURES / "park_loop.gpx").read_bytes()))

    entries = list(walk([path], budget_of=lambda: Budget(entries=40)))

    read = [entry for entry in entries if entry.data]
    assert len(read) <= 40  # never more than the budget: 512 files are in there
    assert entries[-1].problem.startswith("archive refused: it holds more than")


def test_an_archive_over_its_byte_budget_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(nested_zip(4, 2, b" " * 100_000))

    entries = list(walk([path], budget_of=lambda: Budget(decompressed=250_000)))

    assert entries[-1].problem.startswith("archive refused: it decompresses to more than")
    assert sum(len(entry.data) for entry in entries) <= 250_000


def test_archives_nested_deeper_than_an_export_are_not_opened(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(nested_zip(1, 4, (FIXTURES / "park_loop.gpx").read_bytes()))

    entries = list(walk([path]))

    assert [entry.problem for entry in entries] == ["archives nested too deep"]

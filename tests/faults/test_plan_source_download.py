"""`plan-source add URL` against hostile servers on loopback: huge answers, trickles.

The download is streamed with a byte cap and one deadline for the whole of it,
and the service's re-reads go through the same `read_location`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from syncsvc.api.plan_sources import MAX_PLAN_BYTES, read_location
from syncsvc.errors import SourceError


@contextmanager
def hostile_server(behaviour: str) -> Iterator[tuple[str, dict[str, int]]]:
    sent = {"bytes": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/calendar")
            if behaviour == "declared-huge":
                self.send_header("content-length", str(1_500_000_000))
            else:
                self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                if behaviour == "trickle":
                    for _ in range(60):
                        self.wfile.write(b"1\r\nB\r\n")
                        self.wfile.flush()
                        sent["bytes"] += 1
                        time.sleep(0.5)
                    return
                block = b"x" * 65536
                for _ in range(1_500_000_000 // len(block)):
                    if behaviour == "declared-huge":
                        self.wfile.write(block)
                    else:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    sent["bytes"] += len(block)
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/plan.ics", sent
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("behaviour", ["declared-huge", "chunked-huge"])
def test_a_huge_answer_is_refused_at_the_cap_without_reading_it(behaviour: str) -> None:
    with hostile_server(behaviour) as (url, sent):
        with pytest.raises(SourceError, match="larger than 5 MB"):
            read_location(url)
        time.sleep(0.2)
        assert sent["bytes"] < MAX_PLAN_BYTES + 16 * 1024 * 1024  # the cap and socket buffers


def test_a_trickling_server_is_cut_off_at_the_overall_deadline() -> None:
    with hostile_server("trickle") as (url, sent):
        started = time.monotonic()
        with pytest.raises(SourceError, match="did not arrive within 2 s"):
            read_location(url, deadline_s=2.0)
        took = time.monotonic() - started

    assert took < 2.0 + 3.0  # the deadline, plus at most one read (and a busy machine)
    assert sent["bytes"] >= 2  # it really was trickling, not silent

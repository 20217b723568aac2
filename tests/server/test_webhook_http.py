"""What faces the internet, tried against the real `syncsvc serve` on loopback.

Raw sockets, so the test controls exactly what is sent and when: a 413 must
come back before the client has finished sending, and percent-encoded paths
must reach the server as written.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.conftest import NOW, make_served
from tests.server.server_process import Server, running_server, wait_until
from tests.server.service_builders import VERIFY_TOKEN, Seeded

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OAUTH_VALUES = {
    "client_secret": "cs-value-0001",
    "access_token": "at-value-0002",
    "refresh_token": "rt-value-0003",
    "code": "code-value-0004",
    "hub.verify_token": "vt-value-0005",
}


@pytest.fixture(scope="module")
def served_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Seeded]]:
    home, seeded = make_served(tmp_path_factory.mktemp("http"))
    with running_server(home, [], now=NOW) as server:
        yield server, seeded


def connect(server: Server) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def answer_of(sock: socket.socket, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def access_lines(server: Server) -> int:
    return server.logs().count('"logger": "uvicorn.access"')


def readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0.05)[0])


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    served_server: tuple[Server, Seeded],
) -> None:
    server, _ = served_server
    with connect(server) as sock:
        sock.sendall(
            b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 52428800\r\n\r\n"
        )
        answer = answer_of(sock)  # not one byte of the 50 MB body sent

    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_a_chunked_body_is_stopped_at_the_limit(served_server: tuple[Server, Seeded]) -> None:
    server, _ = served_server
    chunk = b"x" * 4096
    sent = 0
    answer = b""
    with connect(server) as sock:
        sock.sendall(
            b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        try:
            for _ in range(256):  # 1 MB if nobody stopped us
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                if readable(sock):
                    answer = answer_of(sock)
                    break
        except (BrokenPipeError, ConnectionResetError):
            answer = answer or answer_of(sock)

    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert sent < 256 * 4096  # refused before the client finished
    assert sent <= 16384 + 64 * 4096  # within a socket buffer of the limit


def test_deeply_nested_json_is_a_400_not_a_500(served_server: tuple[Server, Seeded]) -> None:
    server, _ = served_server
    with server.client() as client:
        top = client.post("/webhooks/strava", content=b"[" * 1000 + b"]" * 1000)
        inner = client.post(
            "/webhooks/strava",
            content=b'{"object_type": "activity", "updates": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        )

    assert (top.status_code, inner.status_code) == (400, 400)
    assert "RecursionError" not in server.logs()


def test_a_client_gone_mid_body_leaves_no_traceback(served_server: tuple[Server, Seeded]) -> None:
    server, _ = served_server
    with connect(server) as sock:
        sock.sendall(
            b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 9000\r\n\r\n" + b"{" * 100
        )
    with server.client() as client:  # the server is still there, and has logged its line
        assert client.get("/healthz").status_code == 200
    time.sleep(0.2)  # the disconnect is handled after the close; give it its turn

    logs = server.logs()
    assert "Traceback" not in logs
    assert "ClientDisconnect" not in logs
    assert '"level": "error"' not in logs


@pytest.mark.parametrize(
    "path",
    [
        "/feeds%2F{token}.ics",
        "/%66eeds/{token}.ics",
        "/%2566eeds/{token}.ics",
        "/FEEDS/{token}.ics",
    ],
)
def test_a_percent_encoded_feed_path_never_shows_the_token_in_the_access_log(
    served_server: tuple[Server, Seeded], path: str
) -> None:
    server, seeded = served_server
    target = path.format(token=seeded.feed_token)
    before = access_lines(server)
    with connect(server) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nconnection: close\r\n\r\n".encode())
        answer = answer_of(sock)
    assert answer.startswith(b"HTTP/1.1 ")

    assert wait_until(lambda: access_lines(server) > before, 5)  # the line was written
    assert seeded.feed_token not in server.logs()
    assert seeded.feed_token[:12] not in server.logs()


@pytest.mark.parametrize("encoded", [False, True])
def test_every_oauth_value_in_a_query_is_redacted_in_the_access_log(
    served_server: tuple[Server, Seeded], encoded: bool
) -> None:
    server, _ = served_server
    from urllib.parse import quote

    def key(name: str) -> str:
        return "".join(f"%{ord(c):02X}" for c in name) if encoded else name

    query = "&".join(f"{key(name)}={quote(value)}" for name, value in OAUTH_VALUES.items())
    with connect(server) as sock:
        sock.sendall(
            f"GET /webhooks/strava?hub.mode=subscribe&{query} HTTP/1.1\r\n"
            f"Host: x\r\nconnection: close\r\n\r\n".encode()
        )
        answer_of(sock)
    assert wait_until(lambda: "/webhooks/strava?" in server.logs(), 5)

    logs = server.logs()
    for name, value in OAUTH_VALUES.items():
        assert value not in logs, f"{name} in the access log"
    assert VERIFY_TOKEN not in logs


def test_an_empty_verify_token_is_unset_and_refuses_every_validation(tmp_path: Path) -> None:
    home, _ = make_served(tmp_path)
    with (
        running_server(
            home, [], now=NOW, env={"SYNCSVC_STRAVA__WEBHOOK_VERIFY_TOKEN": ""}
        ) as server,
        server.client() as client,
    ):
        params = {"hub.mode": "subscribe", "hub.challenge": "c-1"}
        empty = client.get("/webhooks/strava", params={**params, "hub.verify_token": ""})
        missing = client.get("/webhooks/strava", params=params)

    assert (empty.status_code, missing.status_code) == (403, 403)
    assert "c-1" not in empty.text

"""A fake `www.strava.com` over real TLS on loopback, for a child process.

`responses` replaces the transport, so urllib3 never runs and never logs; a
test of what urllib3's debug lines leak needs the real stack. This serves
HTTPS on 127.0.0.1 with a self-signed certificate for www.strava.com (made
with `cryptography`), and writes a `sitecustomize` that resolves
www.strava.com to it in the child; the child trusts the certificate through
`REQUESTS_CA_BUNDLE`. Nothing of syncsvc is replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "www.strava.com"


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "strava-cert.pem", folder / "strava-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class TlsFake:
    port: int
    cert: Path
    hook: Path
    requests: list[str] = field(default_factory=list)

    def child_env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.hook), "REQUESTS_CA_BUNDLE": str(self.cert)}


@contextmanager
def tls_strava(folder: Path, replies: dict[str, Any]) -> Iterator[TlsFake]:
    """HTTPS on loopback answering `replies` (path without query -> JSON) with 200."""
    cert, key = self_signed(folder)
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append(f"{self.command} {self.path}")
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            body = json.dumps(replies.get(self.path.split("?")[0], {})).encode()
            self.send_response(200 if self.path.split("?")[0] in replies else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = int(server.server_address[1])
    hook = folder / "tls-hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import socket\n"
        "_real = socket.getaddrinfo\n"
        "def _resolve(host, port, *args, **kwargs):\n"
        f"    if host == {HOST!r}:\n"
        f"        return _real('127.0.0.1', {port}, *args, **kwargs)\n"
        "    return _real(host, port, *args, **kwargs)\n"
        "socket.getaddrinfo = _resolve\n"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TlsFake(port, cert, hook, seen)
    finally:
        server.shutdown()
        server.server_close()

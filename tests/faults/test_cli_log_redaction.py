"""The CLI's log is redacted as `serve`'s is, through the real requests/urllib3 stack.

`syncsvc --debug strava webhook list` once printed the client secret: urllib3's
debug line carries the query string. Here the child talks real TLS to a fake
www.strava.com on loopback (`tls_fake.py`), so urllib3 does log.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncsvc.server.redaction import SecretRedactor, redact_text
from syncsvc.testing.cli import invoke
from tests.faults.tls_fake import tls_strava

CLIENT_SECRET = "client-secret-tls-0123456789"
VERIFY_TOKEN = "verify-token-tls-0123456789"


def test_debug_webhook_list_over_real_tls_logs_urllib3_but_not_the_client_secret(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text(
        f'[strava]\nclient_id = "24523"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'webhook_verify_token = "{VERIFY_TOKEN}"\n'
    )
    initialised = invoke(["--home", str(home), "init", "--athlete", "ana"])  # list reads the store
    assert initialised.exit_code == 0, initialised.output
    replies = {"/api/v3/push_subscriptions": [{"id": 7, "callback_url": "https://x/webhooks"}]}
    with tls_strava(tmp_path, replies) as fake:
        result = subprocess.run(
            [sys.executable, "-m", "syncsvc", "--debug", "strava", "webhook", "list"],
            env={**os.environ, **fake.child_env(), "SYNCSVC_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    logs = result.stderr + result.stdout

    assert result.returncode == 0, logs[-3000:]
    assert any(CLIENT_SECRET in request for request in fake.requests)  # it was sent
    assert "urllib3.connectionpool" in logs  # the real stack logged its request line
    assert "/api/v3/push_subscriptions?" in logs
    assert CLIENT_SECRET not in logs
    assert VERIFY_TOKEN not in logs


SECRETS = {
    "client_secret": "cs-0001-value",
    "access_token": "at-0002-value",
    "refresh_token": "rt-0003-value",
    "code": "code-0004-value",
    "hub.verify_token": "vt-0005-value",
    "verify_token": "vt-0006-value",
}


@pytest.mark.parametrize("key", sorted(SECRETS))
@pytest.mark.parametrize(
    "shape",
    [
        "GET /x?{key}={value}&a=1 HTTP/1.1",
        "GET /x?{encoded_key}={value} HTTP/1.1",
        '{{"{key}": "{value}"}}',
        "{{'{key}': '{value}'}}",
    ],
)
def test_each_secret_key_is_redacted_by_the_cli_and_serve_filter(key: str, shape: str) -> None:
    value = SECRETS[key]
    encoded_key = "".join(f"%{ord(c):02X}" for c in key)
    line = shape.format(key=key, value=value, encoded_key=encoded_key)
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, "", 0, "%s", (line,), None)

    SecretRedactor().filter(record)

    assert value not in record.getMessage()
    assert value not in redact_text(line)


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/{t}.ics",
        "/feeds%2F{t}.ics",
        "/%66eeds/{t}.ics",
        "/%2566eeds%252F{t}.ics",
        "/FEEDS/{t}",
    ],
)
def test_a_feed_token_is_redacted_however_the_path_is_encoded(path: str) -> None:
    token = "feedtoken-abcdefghijklmnop"
    line = f'127.0.0.1:5 - "GET {path.format(t=token)} HTTP/1.1" 200'

    assert token not in redact_text(line)
    assert "[redacted]" in redact_text(line)

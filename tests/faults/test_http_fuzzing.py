"""Bad input over HTTP: 2,000+ generated requests per route, never a 5xx, nothing leaked.

Routes: `POST /webhooks/strava`, its validation `GET`, and `GET /feeds/{token}.ics`,
in process (Starlette's TestClient) on the real store. Every logger goes through
the service's own handler (`configure_logging`: JSON lines, redaction) at DEBUG
into a buffer; no secret (the feed token, the OAuth tokens, the verify token,
the client secret, the Fernet key) may appear in any response or log line.
Nothing may be stored for input the webhook refuses or ignores. The webhook
POST runs on PostgreSQL too (its INTEGER columns are narrower than SQLite's).

A last test does the same against the real `syncsvc serve` at DEBUG level, so
the access log (uvicorn's line, which prints paths and query strings) is checked too.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text

from syncsvc.server.logging_setup import configure_logging
from syncsvc.store.schema import PendingFetchRow, WebhookEventRow
from tests.server.conftest import NOW as SERVER_NOW
from tests.server.conftest import make_served
from tests.server.harness import Harness, app_harness
from tests.server.server_process import running_server
from tests.server.service_builders import STRAVA_OWNER_ID, SUBSCRIPTION_ID, VERIFY_TOKEN, Seeded

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

EXAMPLES = 2000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
OAUTH_SECRETS = ("access-token-for-tests", "refresh-token-for-tests", "client-secret-for-tests")


@dataclass
class Fuzzed:
    harness: Harness
    seeded: Seeded
    secrets: tuple[str, ...]
    logs: io.StringIO

    def stored(self) -> tuple[int, int]:
        with self.harness.runtime.store.read() as tx:
            events = tx.orm.scalar(select(func.count()).select_from(WebhookEventRow))
            pending = tx.orm.scalar(select(func.count()).select_from(PendingFetchRow))
        return int(events or 0), int(pending or 0)

    def assert_no_secret(self, text: str, where: str) -> None:
        for secret in self.secrets:
            assert secret not in text, f"a secret ({secret[:6]}...) in {where}"


@contextmanager
def _fuzzed(folder: Path) -> Iterator[Fuzzed]:
    home, seeded = make_served(folder)
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    real_stderr = sys.stderr
    sys.stderr = buffer  # the service's own handler, writing here
    try:
        configure_logging(json_lines=True, level="debug")
    finally:
        sys.stderr = real_stderr
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "garminconnect", "httpx"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    key = (home / "secret.key").read_text().strip()
    secrets = (seeded.feed_token, VERIFY_TOKEN, key, *OAUTH_SECRETS)
    try:
        with app_harness(home, seeded.athlete_id, now=NOW) as harness:
            yield Fuzzed(harness, seeded, secrets, buffer)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    logged = buffer.getvalue()
    leaked = [secret[:6] for secret in secrets if secret in logged]
    assert leaked == [], f"secrets in the log: {leaked}"


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The app on a SQLite store, for every route."""
    with _fuzzed(tmp_path_factory.mktemp("fuzz")) as made:
        yield made


@pytest.fixture(scope="module")
def fuzzed_postgres(
    tmp_path_factory: pytest.TempPathFactory, _postgres_server: str
) -> Iterator[Fuzzed]:
    """The app on a fresh PostgreSQL schema (its column types differ from SQLite's)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in _postgres_server else "?"
    url = f"{_postgres_server}{separator}options=-csearch_path%3D{schema}"
    previous = os.environ.get("SYNCSVC_STORE__URL")
    os.environ["SYNCSVC_STORE__URL"] = url
    try:
        with _fuzzed(tmp_path_factory.mktemp("fuzz-pg")) as made:
            yield made
    finally:
        if previous is None:
            os.environ.pop("SYNCSVC_STORE__URL", None)
        else:
            os.environ["SYNCSVC_STORE__URL"] = previous
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# ---------------------------------------------------------------- strategies

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_VALUES = st.one_of(
    JSON,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**70]),
    st.sampled_from(["activity", "athlete", "create", "update", "delete", "", "ACTIVITY"]),
    st.sampled_from([SUBSCRIPTION_ID, str(SUBSCRIPTION_ID), STRAVA_OWNER_ID, 0, -1]),
)
EVENT_KEYS = (
    "object_type",
    "object_id",
    "aspect_type",
    "owner_id",
    "subscription_id",
    "event_time",
    "updates",
)


def _good_event() -> dict[str, Any]:
    return {
        "object_type": "activity",
        "object_id": 16_000_000_777,
        "aspect_type": "create",
        "owner_id": STRAVA_OWNER_ID,
        "subscription_id": SUBSCRIPTION_ID,
        "event_time": 1_764_000_000,
        "updates": {},
    }


@st.composite
def broken_events(draw: st.DrawFn) -> bytes:
    """A real event with keys dropped, retyped, or joined by junk: close to valid."""
    event = _good_event()
    for key in draw(st.lists(st.sampled_from(EVENT_KEYS), max_size=3, unique=True)):
        if draw(st.booleans()):
            del event[key]
        else:
            event[key] = draw(FIELD_VALUES)
    event.update(draw(st.dictionaries(st.text(max_size=6), JSON, max_size=2)))
    return json.dumps(event).encode()


WEBHOOK_BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda value: json.dumps(value).encode()),
    broken_events(),
    st.text(max_size=200).map(str.encode),
    st.just(b"{" * 5000),
    st.just(b" " * 20000),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "multipart/form-data",
    ]
)
QUERY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


# ---------------------------------------------------------------- the webhook POST


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest) -> Fuzzed:
    name = "fuzzed" if request.param == "sqlite" else "fuzzed_postgres"
    made: Fuzzed = request.getfixturevalue(name)
    return made


@FUZZ
@given(body=WEBHOOK_BODIES, content_type=CONTENT_TYPES)
def test_webhook_post_never_fails_and_stores_nothing_it_refuses(
    any_store: Fuzzed, body: bytes, content_type: str
) -> None:
    fuzzed = any_store
    before = fuzzed.stored()
    counted = _outcomes(fuzzed.harness)
    headers = {"content-type": content_type} if content_type else {}
    answer = fuzzed.harness.client.post("/webhooks/strava", content=body, headers=headers)
    assert answer.status_code < 500, (answer.status_code, body[:200])
    fuzzed.assert_no_secret(answer.text + str(answer.headers), "a webhook answer")
    new = {k: v - counted.get(k, 0) for k, v in _outcomes(fuzzed.harness).items()}
    refused = {k for k, v in new.items() if v} <= {
        "malformed",
        "other_subscription",
        "unknown_athlete",
    }
    if answer.status_code != 200 or refused:
        assert fuzzed.stored() == before, (answer.status_code, answer.text, body[:200])
    if answer.status_code == 200:
        assert answer.text == "accepted\n"  # the same answer, whatever became of the event


def _outcomes(harness: Harness) -> dict[str, float]:
    return {
        sample.labels["outcome"]: sample.value
        for metric in harness.metrics.webhook_events.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


# ---------------------------------------------------------------- well-formed forged events


@st.composite
def forged_events(draw: st.DrawFn, known_ids: list[int]) -> dict[str, Any]:
    object_type = draw(st.sampled_from(["activity", "athlete"]))
    updates = draw(
        st.one_of(
            st.none(),
            st.just({"authorized": "false"}),
            st.dictionaries(
                st.sampled_from(["title", "type", "private", "authorized"]),
                st.sampled_from(["false", "true", "Run", "x" * 300]),
                max_size=3,
            ),
        )
    )
    return {
        "object_type": object_type,
        "object_id": draw(
            st.one_of(st.sampled_from(known_ids), st.integers(1, 2**40))
            if object_type == "activity"
            else st.one_of(st.just(STRAVA_OWNER_ID), st.integers(1, 2**40))
        ),
        "aspect_type": draw(st.sampled_from(["create", "update", "delete"])),
        "owner_id": draw(st.one_of(st.just(STRAVA_OWNER_ID), st.integers(1, 2**40))),
        "subscription_id": draw(st.one_of(st.just(SUBSCRIPTION_ID), st.integers(1, 2**31))),
        "event_time": draw(st.integers(1_700_000_000, 1_800_000_000)),
        "updates": updates,
    }


def test_forged_well_formed_events_delete_only_on_strava_404_and_never_deauthorise(
    tmp_path: Path,
) -> None:
    """Every aspect and object type, random ids: Strava (faked) is the only authority."""
    import re

    import responses

    from syncsvc.domain import Source
    from tests.server.service_builders import STRAVA_API, strava_json

    home, seeded = make_served(tmp_path)
    with app_harness(home, seeded.athlete_id, now=NOW) as harness:
        known = sorted(int(i) for i in harness.strava_ids())
        gone: set[int] = set(known[::5])

        def activity(request: Any) -> tuple[int, dict[str, str], str]:
            activity_id = int(request.url.rsplit("/", 1)[1].split("?")[0])
            if activity_id in gone:
                return 404, {}, json.dumps({"message": "Record Not Found"})
            return 200, {}, json.dumps(strava_json(activity_id, datetime(2026, 11, 29, 7)))

        harness.mock.add_callback(
            responses.GET, re.compile(re.escape(f"{STRAVA_API}/activities/") + r"\d+"), activity
        )
        harness.mock.add(
            responses.POST,
            "https://www.strava.com/oauth/token",
            json={"access_token": "a-2", "refresh_token": "r-2", "expires_at": 1_900_000_000},
        )

        @settings(max_examples=40, deadline=None, database=None)
        @given(batch=st.lists(forged_events(known), min_size=1, max_size=6))
        def check(batch: list[dict[str, Any]]) -> None:
            before = {int(i) for i in harness.strava_ids()}
            for body in batch:
                answer = harness.client.post("/webhooks/strava", json=body)
                assert (answer.status_code, answer.text) == (200, "accepted\n")
            harness.run_due()
            after = {int(i) for i in harness.strava_ids()}
            assert before - after <= gone, sorted(before - after - gone)
            with harness.runtime.store.read() as tx:
                scope = tx.athlete(harness.athlete_id)
                assert scope.credentials.info("strava") is not None
                assert not [k for _, k, _ in scope.pending.all(Source.STRAVA) if k == "deauthorize"]

        check()
        before = harness.strava_ids()
        deauthorisation = {
            "object_type": "athlete",
            "object_id": STRAVA_OWNER_ID,
            "aspect_type": "update",
            "owner_id": STRAVA_OWNER_ID,
            "subscription_id": SUBSCRIPTION_ID,
            "event_time": 1_800_000_001,
            "updates": {"authorized": "false"},
        }
        harness.client.post("/webhooks/strava", json=deauthorisation)
        harness.run_due()
        assert harness.calls_to("/oauth/token") >= 1  # checked, not obeyed
        assert harness.strava_ids() == before


# ---------------------------------------------------------------- the validation GET


@FUZZ
@given(
    mode=st.one_of(st.none(), st.just("subscribe"), QUERY_TEXT),
    token=st.one_of(
        st.none(), st.just(VERIFY_TOKEN[:-1]), st.just(VERIFY_TOKEN.upper()), QUERY_TEXT
    ),
    challenge=st.one_of(st.none(), QUERY_TEXT),
    extra=st.dictionaries(QUERY_TEXT, QUERY_TEXT, max_size=3),
)
def test_webhook_validation_never_fails_and_never_echoes_a_secret(
    fuzzed: Fuzzed,
    mode: str | None,
    token: str | None,
    challenge: str | None,
    extra: dict[str, str],
) -> None:
    params = dict(extra)
    for key, value in (
        ("hub.mode", mode),
        ("hub.verify_token", token),
        ("hub.challenge", challenge),
    ):
        if value is not None:
            params[key] = value
    before = fuzzed.stored()
    answer = fuzzed.harness.client.get("/webhooks/strava", params=params)
    assert answer.status_code < 500
    assert answer.status_code != 200, params  # never our verify token, never a 200
    fuzzed.assert_no_secret(answer.text + str(answer.headers), "a validation answer")
    assert fuzzed.stored() == before


def test_webhook_validation_with_our_token_answers_the_challenge(fuzzed: Fuzzed) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "c-1"}
    answer = fuzzed.harness.client.get("/webhooks/strava", params=params)
    assert answer.json() == {"hub.challenge": "c-1"}
    fuzzed.assert_no_secret(answer.text, "the challenge answer")


# ---------------------------------------------------------------- the feed route

TOKENS = st.one_of(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", max_size=140
    ),
    QUERY_TEXT,
)
HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@FUZZ
@given(
    token=TOKENS,
    suffix=st.sampled_from([".ics", ".ics", "", ".ICS", ".ics/", ".ics?x=1"]),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
    headers=st.dictionaries(
        st.sampled_from(
            ["if-none-match", "if-modified-since", "accept-encoding", "range", "accept", "x-junk"]
        ),
        HEADER_VALUES,
        max_size=3,
    ),
)
def test_feed_route_never_fails_and_never_leaks(
    fuzzed: Fuzzed, token: str, suffix: str, method: str, headers: dict[str, str]
) -> None:
    from urllib.parse import quote

    path = f"/feeds/{quote(token, safe='')}{suffix}"
    answer = fuzzed.harness.client.request(method, path, headers=headers)
    assert answer.status_code < 500, (answer.status_code, path, headers)
    fuzzed.assert_no_secret(answer.text + str(answer.headers), "a feed answer")


@FUZZ
@given(
    headers=st.dictionaries(
        st.sampled_from(["if-none-match", "if-modified-since", "accept-encoding"]),
        HEADER_VALUES,
        max_size=3,
    )
)
def test_the_real_feed_under_any_caching_headers_is_a_whole_feed_or_not_modified(
    fuzzed: Fuzzed, headers: dict[str, str]
) -> None:
    path = f"/feeds/{fuzzed.seeded.feed_token}.ics"
    answer = fuzzed.harness.client.get(path, headers=headers)
    assert answer.status_code in (200, 304), (answer.status_code, headers)
    if answer.status_code == 200:
        assert answer.content.startswith(b"BEGIN:VCALENDAR")
        assert answer.content.rstrip().endswith(b"END:VCALENDAR")
    fuzzed.assert_no_secret(answer.text + str(answer.headers), "the feed")


def test_no_secret_reached_any_log_line_of_the_fuzzed_requests(fuzzed: Fuzzed) -> None:
    """Runs after the fuzzing above (file order): everything logged at DEBUG, checked."""
    logged = fuzzed.logs.getvalue()
    assert '"logger": "syncsvc.server.webhook"' in logged  # the capture did capture
    for line in logged.splitlines():
        fuzzed.assert_no_secret(line, "a log line")


# ---------------------------------------------------------------- the real server at DEBUG


def test_the_real_server_at_debug_level_logs_no_secret(tmp_path: Path) -> None:
    home, seeded = make_served(tmp_path)
    settings_file = home / "settings.toml"
    settings_file.write_text(
        settings_file.read_text().replace('log_level = "info"', 'log_level = "debug"')
    )
    key = (home / "secret.key").read_text().strip()
    secrets = (seeded.feed_token, VERIFY_TOKEN, key, *OAUTH_SECRETS)
    with running_server(home, [], now=SERVER_NOW) as server, server.client() as client:
        feed = f"/feeds/{seeded.feed_token}.ics"
        first = client.get(feed)
        assert first.status_code == 200
        client.get(feed, headers={"if-none-match": first.headers["etag"]})
        client.get(f"{feed}?refresh=1")
        client.head(feed)
        client.get(f"/feeds/{seeded.feed_token[:-1]}x.ics")
        client.get(
            "/webhooks/strava",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "c",
            },
        )
        client.get(
            "/webhooks/strava",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN + "x",
                "hub.challenge": "c",
            },
        )
        client.post("/webhooks/strava", content=b"{not json")
        client.post(
            "/webhooks/strava", json={"owner_id": STRAVA_OWNER_ID, "token": seeded.feed_token}
        )
        client.get("/healthz")
        client.get("/metrics")
        server.terminate()
    logs = server.logs()
    assert '"logger": "uvicorn.access"' in logs, "the access log was not captured"
    for secret in secrets:
        assert secret not in logs, f"a secret ({secret[:6]}...) in the server's log"

"""The real server on a loopback port, Strava's API faked: webhook in, moved session out."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from icalendar import Calendar

from syncsvc import routes
from syncsvc.testing.cli import run_subprocess
from tests.server.conftest import MONDAY, NOW, CompareFeeds
from tests.server.server_process import running_server, wait_until
from tests.server.service_builders import (
    RATE_HEADERS,
    STRAVA_API,
    VERIFY_TOKEN,
    Seeded,
    activity_reply,
    event,
    strava_json,
)

HARD_RUN_ID = 16_000_000_001


def hard_run() -> dict[str, Any]:
    return strava_json(HARD_RUN_ID, datetime(2026, 11, 30, 7, 0), moving_s=3900)


def strava_replies() -> list[dict[str, Any]]:
    return [
        activity_reply(hard_run()),
        {
            "method": "GET",
            "url": f"{STRAVA_API}/athlete/activities",
            "json": [],
            "headers": RATE_HEADERS,
        },
    ]


def sessions_by_uid(body: bytes) -> dict[str, tuple[date, int, str]]:
    """UID -> (local start date, SEQUENCE, STATUS) of each VEVENT."""
    calendar = Calendar.from_ical(body)
    found: dict[str, tuple[date, int, str]] = {}
    for component in calendar.walk("VEVENT"):
        start = component.decoded("DTSTART")
        day = start.date() if isinstance(start, datetime) else start
        found[str(component["UID"])] = (
            day,
            int(component.get("SEQUENCE", 0)),
            str(component.get("STATUS", "CONFIRMED")),
        )
    return found


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of the Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(2))
    return 0.0


def test_a_hard_run_announced_by_the_webhook_moves_todays_session_in_the_served_feed(
    served: tuple[Path, Seeded], compare_feeds: CompareFeeds
) -> None:
    home, seeded = served
    feed_path = routes.feed_path(seeded.feed_token)
    with running_server(home, strava_replies(), now=NOW) as server, server.client() as client:
        challenge = client.get(
            "/webhooks/strava",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3",
            },
        )
        assert challenge.status_code == 200
        assert challenge.json() == {"hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3"}

        before = client.get(feed_path)
        assert before.status_code == 200
        old_sessions = sessions_by_uid(before.content)
        todays = [
            uid
            for uid, (day, _, status) in old_sessions.items()
            if day == MONDAY and status == "CONFIRMED"
        ]
        assert len(todays) == 1, old_sessions

        posted = client.post("/webhooks/strava", json=event(HARD_RUN_ID))
        assert posted.status_code == 200

        def new_feed() -> httpx.Response | None:
            answer = client.get(feed_path, headers={"If-None-Match": before.headers["etag"]})
            return answer if answer.status_code == 200 else None

        after = wait_until(new_feed, timeout=15, interval=0.25)
        assert after is not None, f"the feed did not change within 15 s:\n{server.logs()}"

        moved_day, moved_sequence, moved_status = sessions_by_uid(after.content)[todays[0]]
        assert moved_status == "CONFIRMED"
        assert moved_day != MONDAY
        assert moved_sequence > old_sessions[todays[0]][1]
        report = compare_feeds(before.content, after.content)
        assert todays[0] in [row["uid"] for row in report["changes"] if row["change"] == "moved"]

        metrics = client.get("/metrics").text
        assert metric(metrics, "syncsvc_refreshes_total", trigger="webhook") == 1
        assert metric(metrics, "syncsvc_webhook_events_total", outcome="accepted") == 1
        fetched = [
            r for r in server.remote_requests() if r["url"].endswith(f"/activities/{HARD_RUN_ID}")
        ]
        assert len(fetched) == 1

        # The CLI keeps working beside the service (it takes the same athlete lock).
        replan = run_subprocess(["replan"], env={"SYNCSVC_HOME": str(home), "SYNCSVC_NOW": NOW})
        assert replan.exit_code == 0, replan.output
        assert server.terminate() == 0
    assert VERIFY_TOKEN not in server.logs()
    assert seeded.feed_token not in server.logs()

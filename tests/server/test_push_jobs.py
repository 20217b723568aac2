"""Push jobs: their locks and priority, what a plan change enqueues, backoff, status, removal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncsvc import clock
from syncsvc.api.app import Syncsvc
from syncsvc.api.pipeline import refresh_athlete
from syncsvc.cli.output import status_json, status_rows
from syncsvc.push.model import ChannelState
from syncsvc.runtime import Runtime
from syncsvc.server.jobs import (
    InProcessJobs,
    Job,
    JobKind,
    JobRequest,
    Priority,
    StoreStravaBudget,
    execute,
    execute_push,
    push_request,
)
from syncsvc.server.metrics import PushChannelsCollector, ServiceMetrics
from syncsvc.server.periodic import Periodic
from tests.push.radicale_server import PASSWORD, USER, Radicale, free_port
from tests.server.harness import FakeMonotonic
from tests.server.push_flow import radicale_days, radicale_in
from tests.server.service_builders import Seeded
from tests.server.test_service_end_to_end import metric

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


# ---------------------------------------------------------------- the engine alone


def test_push_jobs_coalesce_per_channel_and_never_wait_for_the_athletes_lock() -> None:
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())

    made = [
        jobs.enqueue(JobRequest(JobKind.REFRESH, 1, "webhook", Priority.WEBHOOK)),
        jobs.enqueue(push_request(1, 7, "webhook")),
        jobs.enqueue(push_request(1, 7, "midnight")),
        jobs.enqueue(push_request(1, 8, "webhook")),
        jobs.enqueue(JobRequest(JobKind.REPLAN, 1, "midnight", Priority.MIDNIGHT)),
    ]
    assert made == [True, True, False, True, True]

    refresh, _ = jobs._take(jobs.monotonic())
    assert refresh is not None
    assert refresh.kind is JobKind.REFRESH
    # The refresh holds athlete 1's lock: the replan waits, the pushes do not.
    taken: list[Job] = []
    while (job := jobs._take(jobs.monotonic())[0]) is not None:
        taken.append(job)
    assert [(j.kind, j.channel_id) for j in taken] == [(JobKind.PUSH, 7), (JobKind.PUSH, 8)]
    assert taken[0].reasons == ("webhook", "midnight")
    assert {j.queueing_lock for j in taken} == {"push:1:7", "push:1:8"}
    assert [j.kind for j in jobs.waiting()] == [JobKind.REPLAN]


def test_a_push_runs_after_the_days_refreshes_and_before_backfills() -> None:
    ran: list[Job] = []
    jobs = InProcessJobs(ran.append, workers=1, monotonic=FakeMonotonic())

    jobs.enqueue(JobRequest(JobKind.REFRESH, 1, "backfill", Priority.BACKFILL))
    jobs.enqueue(push_request(2, 5, "webhook"))
    jobs.enqueue(JobRequest(JobKind.REFRESH, 3, "poll", Priority.POLL))
    jobs.enqueue(JobRequest(JobKind.REPLAN, 4, "start", Priority.START))
    jobs.run_ready()

    assert [j.athlete_id for j in ran] == [3, 4, 2, 1]


# ---------------------------------------------------------------- against a real store


@pytest.fixture
def runtime(served: tuple[Path, Seeded]) -> Iterator[Runtime]:
    home, _ = served
    with clock.frozen_at(NOW):
        runtime = Runtime.create(home=home)
        try:
            yield runtime
        finally:
            runtime.close()


def athlete_id(runtime: Runtime) -> int:
    with runtime.store.read() as tx:
        return tx.athletes.all()[0].id


def dead_channel(runtime: Runtime) -> int:
    """A CalDAV channel on a port nothing listens on: every push fails."""
    with Syncsvc(runtime) as app:
        channel = app.athlete().add_caldav_channel(
            url=f"http://127.0.0.1:{free_port()}/ana/", username=USER, password=PASSWORD
        )
    return channel.id


def paused_channel(runtime: Runtime) -> int:
    with Syncsvc(runtime) as app:
        channel = app.athlete().add_caldav_channel(
            url=f"http://127.0.0.1:{free_port()}/paused/", username=USER, password=PASSWORD
        )
    with runtime.store.write() as tx:
        tx.athlete(athlete_id(runtime)).push.record_outcome(
            channel.id, state="paused", error="the CalDAV server refused the password"
        )
    return channel.id


def change_the_plan_behind_the_planner(runtime: Runtime) -> None:
    """A stored session made longer: the next replan writes it back (a plan change)."""
    aid = athlete_id(runtime)
    with runtime.store.write() as tx:
        sessions = tx.athlete(aid).sessions
        first = next(s for s in sessions.all(since=NOW.date()) if s.status.value == "planned")
        sessions.save([dataclasses.replace(first, minutes=first.minutes + 7)])


def test_a_plan_change_enqueues_one_push_per_channel_that_is_not_paused(
    runtime: Runtime,
) -> None:
    failing, paused = dead_channel(runtime), paused_channel(runtime)
    aid = athlete_id(runtime)
    change_the_plan_behind_the_planner(runtime)
    follow_ups: list[JobRequest] = []

    result = execute(runtime, JobKind.REPLAN, aid, reason="midnight", follow_up=follow_ups.append)

    assert result.sessions_written >= 1
    assert result.push_channels == (failing,)
    assert follow_ups == [push_request(aid, failing, "midnight")]
    assert follow_ups[0].priority == Priority.PUSH
    assert follow_ups[0].lock == f"push:{aid}:{failing}" != f"athlete:{aid}"
    assert paused not in result.push_channels

    unchanged: list[JobRequest] = []
    again = execute(runtime, JobKind.REPLAN, aid, reason="midnight", follow_up=unchanged.append)
    assert again.sessions_written == 0
    assert unchanged == []


def test_a_failing_channel_never_fails_its_job_and_comes_back_after_its_backoff(
    runtime: Runtime,
) -> None:
    failing, paused = dead_channel(runtime), paused_channel(runtime)
    aid = athlete_id(runtime)
    metrics = ServiceMetrics()
    later: list[JobRequest] = []

    first = execute_push(
        runtime, aid, failing, reason="webhook", metrics=metrics, follow_up=later.append
    )
    second = execute_push(
        runtime, aid, failing, reason="webhook", metrics=metrics, follow_up=later.append
    )
    waiting = execute_push(
        runtime, aid, paused, reason="webhook", metrics=metrics, follow_up=later.append
    )

    assert first is not None
    assert first.ran
    assert first.state == ChannelState.FAILING
    assert first.error
    assert second is not None
    assert not second.ran  # backing off: nothing was tried
    assert waiting is not None
    assert not waiting.ran
    assert waiting.state == ChannelState.PAUSED
    assert [(r.kind, r.channel_id) for r in later] == [(JobKind.PUSH, failing)] * 2
    assert all(r.delay_s >= 1 for r in later)  # after the backoff, not at once
    text = metrics.render().decode()
    assert metric(text, "syncsvc_pushes_total", kind="caldav", state="failing") == 1
    assert metric(text, "syncsvc_pushes_total", kind="caldav", state="waiting") == 2

    assert execute_push(runtime, aid, 999_999, reason="webhook") is None  # removed meanwhile


def test_status_and_metrics_show_each_channels_state_lag_and_error(runtime: Runtime) -> None:
    failing, paused = dead_channel(runtime), paused_channel(runtime)
    aid = athlete_id(runtime)
    execute_push(runtime, aid, failing, reason="webhook")
    with Syncsvc(runtime) as app:
        report = app.athlete().status()

    by_id = {c.id: c for c in report.push_channels}
    assert by_id[failing].state == "failing"
    assert by_id[failing].last_error
    assert by_id[paused].state == "paused"
    [paused_line] = [line for line in report.attention if f"push channel {paused}" in line]
    assert "Nothing can be removed from it remotely" in paused_line
    assert "syncsvc push add caldav" in paused_line
    assert f"syncsvc push remove {paused} --keep-events" in paused_line
    assert any(f"push channel {failing}" in line for line in report.attention)
    rows = dict(status_rows(report))
    assert rows[f"push {paused} (caldav)"].startswith("paused")
    assert {c["id"] for c in status_json(report)["push_channels"]} == {failing, paused}
    assert PASSWORD not in str(status_json(report))

    metrics = ServiceMetrics()
    metrics.registry.register(
        PushChannelsCollector(lambda: [(aid, c) for c in report.push_channels])
    )
    text = metrics.render().decode()
    assert metric(text, "syncsvc_push_channel_info", channel=str(paused), state="paused") == 1
    assert "nothing can be removed from it remotely" in text.lower()
    assert metric(text, "syncsvc_push_channel_lag_seconds", channel=str(failing)) >= 0
    assert PASSWORD not in text


def test_the_daily_push_tick_never_raises_and_counts_its_pushes(runtime: Runtime) -> None:
    dead_channel(runtime)
    metrics = ServiceMetrics()
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())
    periodic = Periodic(
        runtime, jobs, StoreStravaBudget(runtime.store, runtime.settings.strava), metrics
    )

    periodic.push_tick(NOW)

    assert metric(metrics.render().decode(), "syncsvc_pushes_total", state="failing") == 1


def test_the_minute_tick_pushes_channels_a_cli_change_left_behind(runtime: Runtime) -> None:
    failing, paused = dead_channel(runtime), paused_channel(runtime)
    aid = athlete_id(runtime)
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())
    periodic = Periodic(
        runtime, jobs, StoreStravaBudget(runtime.store, runtime.settings.strava), ServiceMetrics()
    )
    # A new channel has nothing pushed yet: the tick pushes it without waiting for a change.
    assert periodic.lagging_push_tick(NOW) == [push_request(aid, failing, "lagging")]
    with runtime.store.write() as tx:  # as if that first push had gone through
        tx.athlete(aid).push.record_outcome(failing, state="ok")
    jobs = InProcessJobs(lambda job: None, workers=1, monotonic=FakeMonotonic())
    periodic = Periodic(
        runtime, jobs, StoreStravaBudget(runtime.store, runtime.settings.strava), ServiceMetrics()
    )
    assert periodic.lagging_push_tick(NOW) == []  # in step: nothing to do

    later = NOW + timedelta(minutes=1)
    clock.set_now(later)
    change_the_plan_behind_the_planner(runtime)
    refresh_athlete(runtime, aid, trigger="move", sync=False)  # as a CLI command does

    assert periodic.lagging_push_tick(later) == [push_request(aid, failing, "lagging")]
    assert [(j.kind, j.channel_id) for j in jobs.waiting()] == [(JobKind.PUSH, failing)]
    execute_push(runtime, aid, failing, reason="lagging")  # fails: backs off
    assert periodic.lagging_push_tick(later) == []
    assert paused not in [j.channel_id for j in jobs.waiting()]


# ---------------------------------------------------------------- athlete remove


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    with radicale_in(tmp_path / "radicale") as server:
        yield server


@pytest.mark.parametrize("keep_events", [False, True])
def test_removing_an_athlete_takes_what_was_pushed_off_unless_told_to_keep_it(
    runtime: Runtime, radicale: Radicale, keep_events: bool
) -> None:
    with Syncsvc(runtime) as app:
        athlete = app.athlete()
        channel = athlete.add_caldav_channel(url=radicale.url, username=USER, password=PASSWORD)
        [pushed] = athlete.push_sync(channel.id)
        assert pushed.counts.created == len(radicale_days(radicale)) > 0

        removals = app.remove_athlete(athlete.athlete, keep_events=keep_events)

        assert app.athletes() == []
    if keep_events:
        assert removals == []
        assert len(radicale_days(radicale)) == pushed.counts.created
    else:
        assert [(r.channel_id, r.removed_remote, r.error) for r in removals] == [
            (channel.id, pushed.counts.created, "")
        ]
        assert radicale_days(radicale) == {}

"""The in-process job engine: queueing locks, locks, priorities, delays, clean stop."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from syncsvc.domain import Source
from syncsvc.server.jobs import InProcessJobs, Job, JobKind, JobRequest, Priority
from tests.server.harness import FakeMonotonic


def refresh(athlete_id: int, reason: str = "poll", **kwargs: object) -> JobRequest:
    return JobRequest(JobKind.REFRESH, athlete_id, reason, **kwargs)  # type: ignore[arg-type]


def recording_engine() -> tuple[InProcessJobs, list[Job], FakeMonotonic]:
    ran: list[Job] = []
    fake = FakeMonotonic()
    return InProcessJobs(ran.append, workers=1, monotonic=fake), ran, fake


def test_a_burst_for_one_athlete_becomes_one_waiting_job_with_the_best_priority() -> None:
    jobs, ran, _ = recording_engine()

    made = [
        jobs.enqueue(refresh(1, "poll", sources=(Source.GARMIN,))),
        jobs.enqueue(refresh(1, "webhook", priority=Priority.WEBHOOK)),
        jobs.enqueue(refresh(1, "poll", sources=(Source.STRAVA,))),
    ]
    jobs.run_ready()

    assert made == [True, False, False]
    assert len(ran) == 1
    assert ran[0].priority == Priority.WEBHOOK
    assert ran[0].reason == "webhook"
    assert set(ran[0].sources) == {Source.GARMIN, Source.STRAVA}
    assert ran[0].merged == 3


def test_a_waiting_poll_does_not_swallow_a_replan() -> None:
    jobs, ran, _ = recording_engine()

    jobs.enqueue(refresh(1))
    jobs.enqueue(JobRequest(JobKind.REPLAN, 1, "midnight", Priority.MIDNIGHT))
    jobs.run_ready()

    assert [job.kind for job in ran] == [JobKind.REPLAN, JobKind.REFRESH]


def test_jobs_run_best_priority_first() -> None:
    jobs, ran, _ = recording_engine()

    jobs.enqueue(refresh(1, "backfill", priority=Priority.BACKFILL))
    jobs.enqueue(refresh(2, "poll", priority=Priority.POLL))
    jobs.enqueue(refresh(3, "webhook", priority=Priority.WEBHOOK))
    jobs.run_ready()

    assert [job.athlete_id for job in ran] == [3, 2, 1]


def test_a_delayed_job_waits_and_later_requests_never_push_it_back() -> None:
    jobs, _, fake = recording_engine()

    jobs.enqueue(refresh(1, delay_s=3))
    fake.now += 2
    jobs.enqueue(refresh(1, delay_s=3))
    before = jobs.run_ready()
    fake.now += 1
    after = jobs.run_ready()

    assert (before, after) == (0, 1)


def test_an_athletes_refresh_and_replan_never_run_at_once() -> None:
    """While athlete 1's refresh runs, its replan waits but athlete 2's job may run."""
    taken_during: list[list[tuple[str, int]]] = []
    fake = FakeMonotonic()
    ran: list[tuple[str, int]] = []

    def runner(job: Job) -> None:
        ran.append((job.kind.value, job.athlete_id))
        if job.kind is JobKind.REFRESH and job.athlete_id == 1:
            before = len(ran)
            jobs.run_ready()  # another worker looking for work right now
            taken_during.append(ran[before:])

    jobs = InProcessJobs(runner, workers=1, monotonic=fake)
    jobs.enqueue(refresh(1, "webhook", priority=Priority.WEBHOOK))
    jobs.enqueue(JobRequest(JobKind.REPLAN, 1, "change", Priority.RUNNER))
    jobs.enqueue(refresh(2))
    jobs.run_ready()

    assert taken_during == [[("refresh", 2)]]
    assert ran[-1] == ("replan", 1)


def test_an_event_during_a_refresh_gets_a_refresh_after_it() -> None:
    ran: list[str] = []

    def runner(job: Job) -> None:
        ran.append(job.reason)
        if len(ran) == 1:
            assert jobs.enqueue(refresh(1, "webhook-during")) is True

    jobs = InProcessJobs(runner, workers=1, monotonic=FakeMonotonic())
    jobs.enqueue(refresh(1, "webhook"))
    jobs.run_ready()

    assert ran == ["webhook", "webhook-during"]


def test_stop_lets_the_running_job_finish_and_takes_no_more() -> None:
    started, release = threading.Event(), threading.Event()
    finished: list[int] = []

    def runner(job: Job) -> None:
        started.set()
        release.wait(10)
        finished.append(job.athlete_id)

    jobs = InProcessJobs(runner, workers=1)
    jobs.start()
    jobs.enqueue(refresh(1))
    assert started.wait(10)
    stopper = threading.Thread(target=lambda: finished.append(-1 if jobs.stop(10) else -2))
    stopper.start()
    while not jobs._stopping:  # the stop has begun
        pass
    refused = jobs.enqueue(refresh(2))
    release.set()
    stopper.join(10)

    assert refused is False
    assert finished == [1, -1]
    assert not jobs.alive


def test_stop_gives_up_on_a_job_that_outlives_the_grace() -> None:
    release = threading.Event()
    started = threading.Event()

    def runner(job: Job) -> None:
        started.set()
        release.wait(10)

    jobs = InProcessJobs(runner, workers=1)
    jobs.start()
    jobs.enqueue(refresh(1))
    assert started.wait(10)

    assert jobs.stop(0.05) is False
    release.set()


def test_a_failing_job_does_not_kill_its_worker() -> None:
    ran: list[int] = []

    def runner(job: Job) -> None:
        ran.append(job.athlete_id)
        if job.athlete_id == 1:
            raise RuntimeError("boom")

    jobs = InProcessJobs(runner, workers=1)
    jobs.start()
    jobs.enqueue(refresh(1))
    jobs.enqueue(refresh(2))
    assert jobs.wait_idle(10)
    jobs.stop(1)

    assert sorted(ran) == [1, 2]


@settings(max_examples=100, deadline=None)
@given(
    requests=st.lists(
        st.tuples(
            st.sampled_from(list(JobKind)),
            st.integers(min_value=1, max_value=5),
            st.sampled_from(list(Priority)),
        ),
        max_size=40,
    )
)
def test_one_waiting_job_per_queueing_lock_whatever_the_burst(
    requests: list[tuple[JobKind, int, Priority]],
) -> None:
    jobs, ran, _ = recording_engine()
    for kind, athlete_id, priority in requests:
        jobs.enqueue(JobRequest(kind, athlete_id, "r", priority))
    jobs.run_ready()

    keys = [(job.kind, job.athlete_id) for job in ran]
    assert sorted(keys) == sorted({(kind, athlete) for kind, athlete, _ in requests})
    best = {}
    for kind, athlete_id, priority in requests:
        best[(kind, athlete_id)] = min(best.get((kind, athlete_id), priority), priority)
    assert all(job.priority == best[(job.kind, job.athlete_id)] for job in ran)

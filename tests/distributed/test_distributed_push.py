"""Push jobs on the distributed engine: their task, locks and priority, and their backoff."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from syncsvc.push import admin
from syncsvc.runtime import Runtime
from syncsvc.server.distributed import PUSH_TASK, ProcrastinateJobs, Worker
from syncsvc.server.jobs import Priority, push_request
from tests.distributed.builders import add_athletes
from tests.push.radicale_server import PASSWORD, USER, free_port


def _push_jobs(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT queueing_lock, lock, priority, args, status, scheduled_at "
                "FROM procrastinate_jobs WHERE task_name = :task ORDER BY id"
            ),
            {"task": PUSH_TASK},
        )
        return [dict(row._mapping) for row in rows]


def test_a_push_job_is_coalesced_per_channel_and_comes_back_after_a_failure(
    runtime: Runtime,
) -> None:
    (athlete_id,) = add_athletes(runtime, 1)
    channel = admin.add_caldav(  # nothing listens there: the push fails
        runtime.store,
        athlete_id,
        url=f"http://127.0.0.1:{free_port()}/ana/",
        username=USER,
        password=PASSWORD,
    )
    jobs = ProcrastinateJobs.open(runtime)
    try:
        assert jobs.enqueue(push_request(athlete_id, channel.id, "webhook"))
        assert not jobs.enqueue(push_request(athlete_id, channel.id, "midnight"))
        [waiting] = _push_jobs(runtime)
        assert waiting["queueing_lock"] == f"push:{athlete_id}:{channel.id}"
        assert waiting["lock"] == f"push:{athlete_id}:{channel.id}"
        assert waiting["priority"] == -Priority.PUSH
        assert waiting["args"]["channel_id"] == channel.id

        worker = Worker(runtime, jobs, catch_up_at_start=False)
        asyncio.run(worker.run_async(wait=False, install_signal_handlers=False))
    finally:
        jobs.close()

    [status] = admin.list_channels(runtime.store, athlete_id)
    assert status.state == "failing"
    assert status.retry_after is not None
    retry = [job for job in _push_jobs(runtime) if job["status"] == "todo"]
    assert len(retry) == 1  # the failed push is not a failed job: it comes back after its backoff
    assert retry[0]["scheduled_at"] is not None
    assert retry[0]["args"]["channel_id"] == channel.id

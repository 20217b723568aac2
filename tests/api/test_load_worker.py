"""The service's load worker: the same analysis as in process, and pandas never in the service."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncsvc.api.load_compute import LoadInputs, analyse_inputs
from syncsvc.api.load_worker import LoadWorker
from syncsvc.api.pipeline import load_inputs, read_context, refresh_athlete
from syncsvc.runtime import Runtime
from tests.cli.conftest import DEMO_NOW


@pytest.fixture
def worker() -> Iterator[LoadWorker]:
    opened = LoadWorker()
    yield opened
    opened.close()


def inputs_of(home: Path) -> LoadInputs:
    """What the load step of the home's athlete is computed from."""
    runtime = Runtime.create(home=home)
    try:
        return load_inputs(runtime.settings, read_context(runtime, runtime.athlete()))
    finally:
        runtime.close()


def test_the_worker_computes_the_same_load_step_as_this_process(
    homes: tuple[Path, Path], worker: LoadWorker
) -> None:
    inputs = inputs_of(homes[0])

    here = analyse_inputs(inputs)
    there = worker.compute(inputs)

    assert there.analysis.frame is None  # the DataFrame stays in the worker
    assert there.problems == here.problems
    assert there.analysis.today == here.analysis.today
    assert there.analysis.parameters == here.analysis.parameters
    assert there.analysis.activity_loads == here.analysis.activity_loads
    assert there.analysis.days == here.analysis.days
    assert there.analysis.weeks == here.analysis.weeks
    assert len(there.analysis.days) > 28


def test_a_refresh_through_the_worker_stores_the_same_plan_and_feed_bytes(
    homes: tuple[Path, Path], worker: LoadWorker
) -> None:
    stored = []
    for home, load_worker in ((homes[0], worker), (homes[1], None)):
        runtime = Runtime.create(home=home)
        runtime.load_worker = load_worker
        try:
            athlete = runtime.athlete()
            refresh_athlete(runtime, athlete.id, trigger="test", sync=False)
            with runtime.store.read() as tx:
                scope = tx.athlete(athlete.id)
                feed = scope.feed.rendered()
                assert feed is not None
                stored.append((scope.sessions.all(), scope.days.all(), feed.body))
        finally:
            runtime.close()

    assert stored[0] == stored[1]


def test_a_worker_that_died_is_replaced_on_the_next_call(
    homes: tuple[Path, Path], worker: LoadWorker
) -> None:
    inputs = inputs_of(homes[0])
    first = worker.compute(inputs)
    (process,) = multiprocessing.active_children()
    os.kill(process.pid or 0, signal.SIGKILL)
    process.join(timeout=10)

    again = worker.compute(inputs)

    assert again.analysis.days == first.analysis.days


SERVICE_LIKE = """
import json, sys
from pathlib import Path
from syncsvc.api.load_worker import LoadWorker
from syncsvc.api.pipeline import refresh_athlete
from syncsvc.runtime import Runtime

runtime = Runtime.create(home=Path(sys.argv[1]))
runtime.load_worker = LoadWorker()
athlete = runtime.athlete()
result = refresh_athlete(runtime, athlete.id, trigger="test", sync=False)
runtime.load_worker.close()
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"pandas", "numpy", "scipy"})
print(json.dumps({"heavy": heavy, "problems": list(result.problems)}))
"""


def test_a_process_with_the_worker_refreshes_without_ever_importing_pandas(
    homes: tuple[Path, Path],
) -> None:
    env = {**os.environ, "SYNCSVC_NOW": DEMO_NOW.isoformat()}
    run = subprocess.run(
        [sys.executable, "-c", SERVICE_LIKE, str(homes[0])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report == {"heavy": [], "problems": []}

"""A CLI write succeeds while another process holds a long read on the same SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from syncsvc.testing.cli import invoke, run_subprocess

LONG_READER = textwrap.dedent(
    """
    import sqlite3, sys, time
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("BEGIN")
    connection.execute("SELECT count(*) FROM athletes").fetchone()
    connection.execute("SELECT * FROM activities").fetchall()
    print("reading", flush=True)
    time.sleep(float(sys.argv[2]))
    connection.execute("COMMIT")
    """
)


def test_cli_write_succeeds_while_another_process_holds_a_long_read(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert invoke(["--home", str(home), "init", "--athlete", "ana"]).exit_code == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", LONG_READER, str(home / "syncsvc.db"), "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "reading"
        result = run_subprocess(
            ["--home", str(home), "profile", "set", "hard_days", "tue,thu"], timeout=15
        )
        assert result.exit_code == 0, result.output
        assert reader.poll() is None, "the reader must still be holding its read"
    finally:
        reader.kill()
        reader.wait()
    shown = json.loads(invoke(["--home", str(home), "profile", "show", "--json"]).stdout)
    assert shown["profile"]["hard_days"] == "tue,thu"


def test_two_writers_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert invoke(["--home", str(home), "init", "--athlete", "ana"]).exit_code == 0
    holder = textwrap.dedent(
        """
        import sqlite3, sys, time
        connection = sqlite3.connect(sys.argv[1], isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        print("writing", flush=True)
        time.sleep(1.5)
        connection.execute("COMMIT")
        """
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", holder, str(home / "syncsvc.db")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        result = run_subprocess(["--home", str(home), "athlete", "add", "bo"], timeout=30)
        assert result.exit_code == 0, result.output
    finally:
        writer.wait(timeout=10)

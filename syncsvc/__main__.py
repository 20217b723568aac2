"""`python -m syncsvc` starts the CLI."""

from syncsvc.cli.main import run

run()

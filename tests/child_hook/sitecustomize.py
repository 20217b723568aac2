"""Loaded by child processes of the tests (PYTHONPATH=tests/child_hook): fake remote APIs."""

from syncsvc.testing.http_replay import install_from_environment

install_from_environment()

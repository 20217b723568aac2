"""Loaded by the kill tests' child processes: the stateful Strava and Garmin fakes."""

from tests.faults.fake_apis import install_from_environment

install_from_environment()

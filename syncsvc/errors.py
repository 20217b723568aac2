"""One small exception hierarchy; the CLI maps each to one line and an exit code.

Exit codes: 2 for a bad value or usage (the runner can fix the command), 1 for a
failure (network, auth, store, a broken file on disk).
"""

from __future__ import annotations


class SyncsvcError(Exception):
    """Base: a message a runner can act on. Never holds a secret."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(SyncsvcError):
    """A bad value or a bad command: unknown id, out-of-range number, bad date."""

    exit_code = 2


class ConfigError(UsageError):
    """A settings file or value that cannot be used."""


class NotFoundError(UsageError):
    """An athlete, session or other thing named by the runner does not exist."""


class StoreError(SyncsvcError):
    """The database cannot be opened, migrated or written."""


class SourceError(SyncsvcError):
    """A remote source or an import failed."""


class AuthError(SourceError):
    """Credentials are missing, expired or revoked: the runner must reconnect."""


class RateLimited(SourceError):
    """The shared Strava budget is spent for now; the work resumes later."""


class AlreadyRunning(SyncsvcError):
    """Another process holds the lease (a second scheduler on one store)."""

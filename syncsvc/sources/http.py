"""HTTP plumbing both API sources share: request counting and bounded retries.

Retries cover 5xx answers and connection errors only, with exponential backoff
and jitter (tenacity), a bounded number of times; a 4xx is never retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import requests
import tenacity

T = TypeVar("T")


class CountingSession(requests.Session):
    """A requests session that counts every request it sends (retries included)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests_made = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.requests_made += 1
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


def is_connection_error(error: BaseException) -> bool:
    return isinstance(error, requests.ConnectionError | requests.Timeout)


def with_retries(
    call: Callable[[], T],
    *,
    transient: Callable[[BaseException], bool],
    retries: int,
    wait_s: float,
    wait_max_s: float,
) -> T:
    """Run `call`, retrying transient failures `retries` times with jittered backoff."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=tenacity.wait_exponential_jitter(multiplier=wait_s, max=wait_max_s, jitter=wait_s),
        retry=tenacity.retry_if_exception(transient),
        reraise=True,
    )
    return retrying(call)

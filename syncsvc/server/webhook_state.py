"""The webhook's view of its subscription id, verify token and secret path, cached briefly.

`syncsvc strava webhook register` writes them to the store while the service
runs, and Strava's validation call arrives while the subscription is being
created: a cached value that refuses a request is therefore read again from the
store before the refusal stands. A request it accepts costs no read within
`ttl_s`, like the feed's token status; so what a change stops accepting (the
plain path once a secret one is stored, a replaced subscription id) may still
be accepted for up to `ttl_s` in a process that accepted it just before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from syncsvc.api.strava_webhook_state import WebhookState, read_webhook_state
from syncsvc.config import Settings
from syncsvc.store.database import Store

TTL_S = 5.0


@dataclass
class WebhookStateCache:
    store: Store
    settings: Settings
    ttl_s: float = TTL_S
    monotonic: Callable[[], float] = time.monotonic
    _state: WebhookState | None = field(default=None, init=False, repr=False)
    _read_at: float = field(default=0.0, init=False)

    async def matching(self, accepts: Callable[[WebhookState], bool]) -> WebhookState | None:
        """The state when `accepts` holds for it (read again before saying no), else None.

        Raises StoreError when the store cannot be read.
        """
        state = self._state
        if state is not None and self.monotonic() - self._read_at < self.ttl_s and accepts(state):
            return state
        state = await run_in_threadpool(read_webhook_state, self.settings, self.store)
        self._state, self._read_at = state, self.monotonic()
        return state if accepts(state) else None

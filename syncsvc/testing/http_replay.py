"""Canned HTTP replies for child processes: `responses`, started by an environment variable.

Tests that run the real server, a CLI subprocess or a process they will kill
cannot patch `requests` inside it. They write the replies to a JSON file, put
`tests/child_hook` on `PYTHONPATH` (its `sitecustomize` calls
`install_from_environment`) and name the file in `SYNCSVC_TEST_HTTP_REPLAY`.
Every request the child makes is appended to `SYNCSVC_TEST_HTTP_LOG` when set.
Only the remote APIs are faked; nothing of syncsvc is.

A reply: {"method": "GET", "url": "https://...", "url_regex": false,
"status": 200, "json": ..., "body": "...", "headers": {...}}. Replies for the
same URL are served in order, the last one repeating (as `responses` does).
"""

from __future__ import annotations

import atexit
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPLAY_VARIABLE = "SYNCSVC_TEST_HTTP_REPLAY"
LOG_VARIABLE = "SYNCSVC_TEST_HTTP_LOG"


def write_replies(path: Path, replies: Iterable[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(list(replies), indent=1))
    return path


def add_replies(mock: Any, replies: Iterable[dict[str, Any]]) -> None:
    import responses

    for reply in replies:
        url: str | re.Pattern[str] = reply["url"]
        if reply.get("url_regex"):
            url = re.compile(str(url))
        kwargs: dict[str, Any] = {
            "method": reply.get("method", "GET"),
            "url": url,
            "status": reply.get("status", 200),
            "headers": reply.get("headers") or {},
        }
        if "json" in reply:
            kwargs["json"] = reply["json"]
        else:
            kwargs["body"] = reply.get("body", "")
        if reply.get("match_query"):
            kwargs["match"] = [
                responses.matchers.query_param_matcher(reply["match_query"], strict_match=False)
            ]
        mock.add(**kwargs)


def install_from_environment() -> Any:
    """Start `responses` in this process when the test asked for it; else do nothing."""
    replay = os.environ.get(REPLAY_VARIABLE)
    if not replay:
        return None
    import responses

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(re.compile(r"https?://(127\.0\.0\.1|localhost)(:\d+)?/"))
    add_replies(mock, json.loads(Path(replay).read_text()))
    log_path = os.environ.get(LOG_VARIABLE)
    if log_path:
        _log_requests(mock, Path(log_path))
    mock.start()
    atexit.register(mock.stop)
    return mock


def _log_requests(mock: Any, log_path: Path) -> None:
    original = mock._on_request

    def logging_on_request(adapter: Any, request: Any, **kwargs: Any) -> Any:
        with log_path.open("a") as handle:
            handle.write(json.dumps({"method": request.method, "url": request.url}) + "\n")
        return original(adapter, request, **kwargs)

    mock._on_request = logging_on_request

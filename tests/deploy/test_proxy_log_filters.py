"""The reverse-proxy log filters in deploy/README.md redact feed tokens however encoded.

Python's `re` stands in for Go's RE2 (Caddy) and PCRE (nginx): the patterns
used here are in the common subset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "deploy" / "README.md"
TOKEN = "feedtoken-0123456789abcdef"
URIS = [
    f"/feeds/{TOKEN}.ics",
    f"/feeds%2F{TOKEN}.ics",
    f"/%66eeds/{TOKEN}.ics",
    f"/%2566eeds/{TOKEN}.ics",
    f"/FEEDS/{TOKEN}.ics",
    f"/webhooks/strava?hub.mode=subscribe&hub.verify_token={TOKEN}",
    f"/x?code={TOKEN}",
    f"/signin/{TOKEN}",
    f"/webhooks/strava/{TOKEN}",
    f"/webhooks/strava/{TOKEN}?hub.mode=subscribe&hub.challenge=c",
]


def caddy_filters() -> list[tuple[str, str]]:
    text = README.read_text()
    block = text[text.index("multi_regexp {") : text.index("}", text.index("multi_regexp {"))]
    return re.findall(r'regexp "([^"]+)" "([^"]*)"', block)


@pytest.mark.parametrize("uri", URIS)
def test_caddys_uri_filter_leaves_no_token(uri: str) -> None:
    filters = caddy_filters()
    assert len(filters) == 4  # feed paths, sign-in links, the webhook's secret path, queries
    for pattern, replacement in filters:
        uri = re.sub(pattern, replacement, uri)
    assert TOKEN not in uri


@pytest.mark.parametrize("decoded_uri", [f"/feeds/{TOKEN}.ics", f"//FEEDS/{TOKEN}.ics"])
def test_nginxs_map_redacts_the_decoded_feed_path(decoded_uri: str) -> None:
    text = README.read_text()
    pattern = re.search(r"~\*(\S+)\s+\"/feeds/\[redacted\]\";", text)
    assert pattern is not None
    assert re.search(pattern.group(1), decoded_uri, re.IGNORECASE)
    assert "$request_uri" not in text.split("log_format syncsvc", 1)[1].split(";", 1)[0]

#!/usr/bin/env bash
# Install what the web page's browser tests need, idempotently (a second run changes nothing):
#   - Debian's Chromium (apt-get; Playwright's own browser download is not used),
#   - Playwright for Python and zxing-cpp, into the project's venv (the `browser` extra),
#   - axe-core from the npm registry, into .browser-deps/ (ignored by git).
# .ci/run calls it, then runs the tests with SYNCSVC_REQUIRE_BROWSER=1.
# Env: SYNCSVC_VENV (default .venv), SYNCSVC_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$REPO"
CHROMIUM="${SYNCSVC_CHROMIUM:-/usr/bin/chromium}"
AXE_VERSION="4"

if [ ! -x "$CHROMIUM" ]; then
    echo "Installing Chromium (apt-get, about 350 MB)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

ensure_venv test
if ! "$VENV/bin/python" -c "import playwright.sync_api, zxingcpp" 2>/dev/null; then
    echo "Installing Playwright and zxing-cpp into $VENV..." >&2
    "$VENV/bin/python" -m pip install -q -e "$REPO[test,browser]"
fi

AXE="$REPO/.browser-deps/node_modules/axe-core/axe.min.js"
if [ ! -f "$AXE" ]; then
    if ! command -v npm >/dev/null; then
        echo "Installing npm (apt-get) for axe-core..." >&2
        apt-get install -y -qq --no-install-recommends npm >/dev/null
    fi
    echo "Installing axe-core@$AXE_VERSION (npm) into .browser-deps/..." >&2
    mkdir -p "$REPO/.browser-deps"
    (cd "$REPO/.browser-deps" && npm install --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION")
fi
"$VENV/bin/python" -c "import playwright.sync_api, zxingcpp" >/dev/null
test -x "$CHROMIUM" && test -f "$AXE"
echo "Browser tests ready: $CHROMIUM, $("$CHROMIUM" --version 2>/dev/null | head -1), axe-core at $AXE" >&2

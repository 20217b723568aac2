# Sourced by scripts/test and scripts/demo: a virtual environment with syncsvc installed.
# Reinstalls only when pyproject.toml changed since the last install (a stamp file).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SYNCSVC_VENV:-$REPO/.venv}"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "syncsvc needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1)); set PYTHON=python3.11" >&2
    exit 2
fi
ensure_venv() {
    local extras="$1"
    local stamp="$VENV/.syncsvc-installed-$extras"
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    fi
    if [ ! -f "$stamp" ] || [ "$REPO/pyproject.toml" -nt "$stamp" ]; then
        echo "Installing syncsvc into $VENV (first run takes a minute)..." >&2
        "$VENV/bin/python" -m pip install -q -e "$REPO[$extras]"
        # The bytecode a wheel install ships: an editable install has none until an
        # import writes it, and with PYTHONDONTWRITEBYTECODE set no import ever does.
        "$VENV/bin/python" -m compileall -q "$REPO/syncsvc" >/dev/null
        touch "$stamp"
    fi
}

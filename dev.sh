#!/usr/bin/env bash
# fwpulse developer entry point: sets up everything it needs, then runs.
#   ./dev.sh dashboard [--port 8501]   venv + deps (incl. kaleido for chart export), builds the DB from the bundled snapshot, opens the dashboard
#   ./dev.sh test [pytest args]        venv + deps + Debian chromium/fonts; ruff check + ruff format --check, then the whole test suite on 4 workers (FWPULSE_TEST_WORKERS; with args: only pytest, narrowed)
#   ./dev.sh test --quick [args]       the same without the tests marked browser or slow (real processes, servers, Chromium)
#   ./dev.sh fwpulse VERB [args]       any fwpulse command against the development database
set -euo pipefail
cd "$(dirname "$0")"
# Development keeps its database in the checkout (data/fwpulse.duckdb, git-ignored); an installed
# fwpulse uses the user data dir (~/.local/share/fwpulse on Linux) unless FWPULSE_DB says otherwise.
export FWPULSE_DB="${FWPULSE_DB:-$PWD/data/fwpulse.duckdb}"
VENV="${FWPULSE_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[dev.sh] %s\n' "$*" >&2; }

# PyTorch's CPU build (constraints.txt pins torch==X+cpu) is not on PyPI but on PyTorch's own index, so
# pip can never fall back to the multi-GB CUDA build; a machine that already serves the pin (a local wheel
# in pip's find-links, a mirror) needs no index. FWPULSE_TORCH_INDEX overrides the index.
TORCH_CPU_INDEX="${FWPULSE_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"

torch_index() {  # prints pip's extra index option when the pinned CPU torch is not found without it
    local pin
    pin="$(grep -E '^torch==' constraints.txt)"
    if ! "$VENV/bin/python" -m pip install --dry-run --no-deps --ignore-installed --quiet "$pin" >/dev/null 2>&1; then
        printf -- '--extra-index-url=%s' "$TORCH_CPU_INDEX"
    fi
}

ensure_venv() {  # $1: extras, e.g. "dev" or "export"; re-installs only when inputs change
    local extras="$1" spec="." hash stamp index=""
    [ -n "$extras" ] && spec=".[$extras]"
    hash="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
    stamp="$hash-$extras"
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating virtual environment $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local have
    have="$(cat "$VENV/.fwpulse-stamp" 2>/dev/null || true)"
    # dev holds everything export does: switching between `test` and `dashboard` installs nothing
    if [ "$have" = "$stamp" ] || { [ "$extras" = "export" ] && [ "$have" = "$hash-dev" ]; }; then
        return
    fi
    log "installing fwpulse $spec (pinned by constraints.txt)"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    case ",$extras," in *,dev,*|*,bench,*) index="$(torch_index)" ;; esac
    # setuptools warns on every editable install of a package-dir layout ("Editable installation ... may take
    # precedence"); the layout is deliberate (docs/operations.md, Layout), so that one warning is silenced.
    PYTHONWARNINGS="ignore:Editable installation" \
        "$VENV/bin/python" -m pip install --quiet -c constraints.txt ${index:+"$index"} -e "$spec"
    echo "$stamp" > "$VENV/.fwpulse-stamp"
}

ensure_chromium() {  # Debian's chromium serves Playwright tests and kaleido export; never a downloaded browser
    if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi liberation; then return; fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    log "installing Debian packages chromium and fonts-liberation"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-liberation >/dev/null
}

cmd="${1:-help}"
[ $# -gt 0 ] && shift
case "$cmd" in
    dashboard)
        ensure_venv "export"
        exec "$VENV/bin/fwpulse" dashboard "$@" ;;
    fwpulse)
        ensure_venv "export"
        exec "$VENV/bin/fwpulse" "$@" ;;
    test)
        ensure_venv "dev"
        ensure_chromium
        if [ "${1:-}" = "--quick" ]; then  # the minute loop: lint, then every test but the browser and slow ones
            shift
            "$VENV/bin/ruff" check --quiet .
            "$VENV/bin/ruff" format --check --quiet .
            exec "$VENV/bin/python" -m pytest -q -m "not browser and not slow" -n "${FWPULSE_TEST_WORKERS:-4}" "$@"
        fi
        if [ $# -eq 0 ]; then  # the whole suite: lint and format first (a narrowed run skips them)
            log "ruff check and ruff format --check"
            "$VENV/bin/ruff" check --quiet .
            "$VENV/bin/ruff" format --check --quiet .
            # Four workers (pytest-xdist): most tests wait on a subprocess, a server or Chromium, so four
            # share two cores well (measured: 6.5 min instead of 9.5 on a 2-core machine).
            set -- -n "${FWPULSE_TEST_WORKERS:-4}"
        fi
        exec "$VENV/bin/python" -m pytest -q "$@" ;;
    *)
        sed -n '2,6p' "$0"; exit 2 ;;
esac

#!/usr/bin/env bash
# The whole suite: static checks, unit tests, then integration tests against real processes
# (llama.cpp server, the simulator, PostgreSQL, the CLI in subprocesses).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# PostgreSQL server binaries for the integration tests (Debian package, started by the fixture).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL (Debian package) for the integration tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi
# Chromium for the browser tests (Debian packages; Playwright drives /usr/bin/chromium).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Chromium (Debian package) for the browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
echo "== ruff"; $BIN/ruff check src tests benchmarks
echo "== mypy (strict)"; $BIN/mypy
echo "== pytest"; $BIN/pytest -q tests "$@"

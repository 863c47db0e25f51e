#!/usr/bin/env bash
# The Chromium that tests/browser drives (Playwright never downloads a browser of its own here).
# Found as $CHROMIUM, else `chromium` / `chromium-browser` on PATH. When missing: installed from
# the Debian packages when we are root with apt-get (CI, the developers' machines); otherwise
# one line saying what to run, and exit 2. Never a silent skip of the browser test.
set -uo pipefail
HINT="sudo apt-get install -y chromium fonts-dejavu-core (or set CHROMIUM=/path/to/chromium)"

if [ -n "${CHROMIUM:-}" ]; then
    [ -x "$CHROMIUM" ] && exit 0
    echo "make test: CHROMIUM=$CHROMIUM is not an executable file: unset it or run: $HINT" >&2
    exit 2
fi
command -v chromium >/dev/null || command -v chromium-browser >/dev/null && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make test: installing Chromium for the web form's browser test (apt-get install chromium)"
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends chromium fonts-dejavu-core) >/tmp/apt-chromium.log 2>&1; then
        command -v chromium >/dev/null && exit 0
    fi
    echo "make test: installing Chromium failed (see /tmp/apt-chromium.log): run $HINT" >&2
    exit 2
fi
echo "make test: Chromium is missing for the web form's browser test: run $HINT" >&2
exit 2

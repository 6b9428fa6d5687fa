# The browser tests' tools: Debian's Chromium, node and npm, and tests/browser's node modules
# (playwright-core, pinned in package-lock.json). Installed when missing (as root, with
# apt-get); under CI=true anything that cannot be had is an error, never a skip.

# ensure_browser_tests: exports CHROMIUM_PATH.
ensure_browser_tests() {
    local chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
    if [ ! -x "$chromium" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "chromium not found; installing Debian's chromium" >&2
        apt-get install -y chromium >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null; }
    fi
    if [ ! -x "$chromium" ]; then
        echo "error: the browser tests need Chromium at $chromium (Debian package chromium, or set CHROMIUM_PATH)" >&2
        return 1
    fi
    export CHROMIUM_PATH=$chromium
    ensure_node_modules tests/browser playwright-core "the browser tests" || return 1
}

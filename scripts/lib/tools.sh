# Tools the tests need besides Rust: installed when missing (as root, with apt-get or pip);
# under CI=true a tool that cannot be had is an error, never a skip.

# ensure_command COMMAND DEBIAN_PACKAGE
ensure_command() {
    local cmd=$1 pkg=$2
    if command -v "$cmd" >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "$cmd not found; installing $pkg" >&2
        apt-get install -y "$pkg" >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y "$pkg" >/dev/null; }
    fi
    command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd (Debian package $pkg) is required by the tests" >&2; return 1; }
}

# ensure_fhir_validator: a virtualenv with the independent FHIR validator and the test SMTP
# server (aiosmtpd); exports
# CONSILIUM_TEST_PYTHON.
ensure_fhir_validator() {
    local venv=${CONSILIUM_TEST_VENV:-$PWD/.venv-test}
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" || { echo "error: python3 -m venv failed" >&2; return 1; }
    fi
    if ! "$venv/bin/python" -c 'import fhir.resources.R4B.bundle' >/dev/null 2>&1; then
        "$venv/bin/pip" install -q -r tests/fhir/requirements.txt \
            || { echo "error: cannot install the FHIR validator (tests/fhir/requirements.txt)" >&2; return 1; }
    fi
    if ! "$venv/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then
        "$venv/bin/pip" install -q -r tests/smtp/requirements.txt \
            || { echo "error: cannot install the test SMTP server (tests/smtp/requirements.txt)" >&2; return 1; }
    fi
    export CONSILIUM_TEST_PYTHON="$venv/bin/python"
}

# ensure_build_libraries: the C library the build links against (libpq for diesel's
# PostgreSQL backend; SQLite is bundled).
ensure_build_libraries() {
    if pkg-config --exists libpq 2>/dev/null || [ -e /usr/lib/x86_64-linux-gnu/libpq.so ] \
        || [ -e /usr/lib/aarch64-linux-gnu/libpq.so ]; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "libpq not found; installing libpq-dev" >&2
        apt-get install -y libpq-dev pkg-config >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y libpq-dev pkg-config >/dev/null; }
    fi
    pkg-config --exists libpq 2>/dev/null || [ -e /usr/lib/x86_64-linux-gnu/libpq.so ] \
        || { echo "error: the PostgreSQL client library (Debian package libpq-dev) is required to build" >&2; return 1; }
}

# ensure_node_modules DIR MODULE WHAT: node 20 or newer, npm, and DIR's node modules installed
# from its package-lock.json (again when the lock is newer), MODULE among them.
ensure_node_modules() {
    local dir=$1 module=$2 what=$3
    ensure_command node nodejs || return 1
    ensure_command npm npm || return 1
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$major" -lt 20 ]; then
        echo "error: $what needs node 20 or newer (found $(node --version))" >&2
        return 1
    fi
    local stamp=$dir/node_modules/.package-lock.json
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
        (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1) \
            || { echo "error: npm ci failed in $dir" >&2; return 1; }
    fi
    (cd "$dir" && node -e "import('$module').then(() => process.exit(0), () => process.exit(1))") \
        || { echo "error: $module is not installed in $dir" >&2; return 1; }
}

# ensure_oidc_provider: tests/oidc's modules (panva's oidc-provider, the real OpenID provider
# the sign-in tests run on loopback).
ensure_oidc_provider() {
    ensure_node_modules tests/oidc oidc-provider "the OpenID provider of the tests"
}

# ensure_orthanc: Debian's Orthanc and its DICOMweb plugin (the real PACS of the import tests);
# exports CONSILIUM_TEST_DICOMWEB_PLUGIN.
ensure_orthanc() {
    ensure_command Orthanc orthanc || return 1
    local plugin=/usr/share/orthanc/plugins/libOrthancDicomWeb.so
    if [ ! -f "$plugin" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "the Orthanc DICOMweb plugin is missing; installing orthanc-dicomweb" >&2
        apt-get install -y orthanc-dicomweb >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y orthanc-dicomweb >/dev/null; }
    fi
    [ -f "$plugin" ] || { echo "error: $plugin (Debian package orthanc-dicomweb) is required by the tests" >&2; return 1; }
    export CONSILIUM_TEST_DICOMWEB_PLUGIN=$plugin
}

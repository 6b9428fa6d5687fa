# Property-based API testing: schemathesis against the running server's /api/openapi.json.
# Source this file after tools.sh, then call run_schemathesis BINARY.

# ensure_schemathesis: installs it into the test virtualenv; exports SCHEMATHESIS.
ensure_schemathesis() {
    local venv=${CONSILIUM_TEST_VENV:-$PWD/.venv-test}
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" || { echo "error: python3 -m venv failed" >&2; return 1; }
    fi
    if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
        "$venv/bin/pip" install -q -r tests/schemathesis/requirements.txt \
            || { echo "error: cannot install schemathesis (tests/schemathesis/requirements.txt)" >&2; return 1; }
    fi
    export SCHEMATHESIS="$venv/bin/schemathesis"
}

# run_schemathesis BINARY [SECONDS]: starts BINARY on SQLite in a temp dir, signs in an
# administrator, and runs schemathesis for SECONDS (default 90) with the checks that matter:
# no server error, responses that match the documented status codes, content types and schemas.
# Sign-out is left out: it would revoke the token the run uses; the inbox's event stream
# (/api/me/events) too: it never ends, and tests/api/inbox.rs drives it; and the STOW-RS
# endpoint (/api/dossiers/{id}/studies): schemathesis cannot write multipart/related bodies,
# so tests/api/pacs_push.rs sends it broken and hostile ones instead.
run_schemathesis() {
    local bin=$1 seconds=${2:-90} dir pid url token status=0
    dir=$(mktemp -d /tmp/consilium-schemathesis.XXXXXX)
    CONSILIUM_DATA_DIR=$dir RUST_LOG=warn "$bin" user add --email schemathesis@test.example.org \
        --name "Schemathesis Admin" --password "schemathesis-password" --role admin >/dev/null \
        || { rm -rf "$dir"; return 1; }
    CONSILIUM_DATA_DIR=$dir CONSILIUM_BIND=127.0.0.1:0 RUST_LOG=warn "$bin" serve \
        >"$dir/stdout" 2>"$dir/stderr" &
    pid=$!
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^listening on //p' "$dir/stdout" 2>/dev/null)
        [ -n "$url" ] && break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "error: the server did not start for schemathesis" >&2
        cat "$dir/stderr" >&2
        kill "$pid" 2>/dev/null; rm -rf "$dir"; return 1
    fi
    token=$(curl -sf -X POST "$url/api/auth/login" -H 'content-type: application/json' \
        -d '{"email":"schemathesis@test.example.org","password":"schemathesis-password"}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || status=1
    if [ "$status" = 0 ]; then
        "$SCHEMATHESIS" run "$url/api/openapi.json" \
            --header "Authorization: Bearer $token" \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
            --exclude-path /api/auth/logout \
            --exclude-path /api/me/events \
            --exclude-path '/api/dossiers/{id}/studies' \
            --max-time "$seconds" --workers 1 --seed 20261123 \
            || status=$?
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if grep -q "panicked" "$dir/stderr"; then
        echo "error: the server panicked during the schemathesis run" >&2
        grep -A5 "panicked" "$dir/stderr" >&2
        status=1
    fi
    rm -rf "$dir"
    return "$status"
}

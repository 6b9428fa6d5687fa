# Checks, without a Docker daemon, that the Dockerfile's image would build and run: the binary
# is built from a scratch directory that holds exactly the paths the build stage COPYs, then
# started as the image starts it (its ENTRYPOINT/CMD and ENV, on a loopback port), and the
# image's HEALTHCHECK command is run against it. Source this file, then call docker_build_check.
#
# The build uses the dev profile, whose dependencies the test step has already compiled: the
# image's `--release` differs only in optimisation, and a second optimised build of every
# dependency would add about twenty minutes to a cold run on two cores (CONSILIUM_DOCKER_PROFILE
# =release checks the exact profile).

docker_build_check() {
    local scratch data out port pid status=0
    scratch=$(mktemp -d /tmp/consilium-docker.XXXXXX)
    data=$(mktemp -d /tmp/consilium-docker-data.XXXXXX)
    # The sources of every COPY of the build stage (the last word of each is its destination).
    local sources
    sources=$(python3 - Dockerfile <<'PY'
import shlex, sys
stage = None
for line in open(sys.argv[1]):
    words = shlex.split(line, comments=True)
    if not words:
        continue
    if words[0].upper() == "FROM":
        stage = words[-1] if len(words) >= 4 and words[-2].upper() == "AS" else None
    elif words[0].upper() == "COPY" and stage == "build":
        args = [w for w in words[1:] if not w.startswith("--")]
        for src in args[:-1]:
            print(src)
PY
)
    for src in $sources; do
        mkdir -p "$scratch/$(dirname "$src")"
        cp -r "$src" "$scratch/$src"
    done
    echo "docker check: build context holds: $(echo $sources)" >&2
    # The build stage's command, on the shared target dir.
    local profile=${CONSILIUM_DOCKER_PROFILE:-dev} dir
    case $profile in release) dir=release ;; *) dir=debug ;; esac
    (cd "$scratch" && cargo build --profile "$profile" --locked) || status=$?
    if [ $status -ne 0 ]; then
        echo "error: the $profile build from the Dockerfile's paths failed" >&2
        rm -rf "$scratch" "$data"
        return 1
    fi
    local bin="${CARGO_TARGET_DIR:-$scratch/target}/$dir/consilium"
    case $bin in /*) ;; *) bin="$scratch/$bin" ;; esac
    if ldd "$bin" | grep -q "not found"; then
        echo "error: the binary needs libraries that are not installed:" >&2
        ldd "$bin" | grep "not found" >&2
        rm -rf "$scratch" "$data"
        return 1
    fi
    # The image's start command: ENTRYPOINT [tini, --, consilium] with CMD [serve], and its ENV,
    # but on a free loopback port.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    local cmd
    cmd=$(python3 - Dockerfile <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("CMD "):
        print(" ".join(json.loads(line[4:])))
PY
)
    out="$data/stdout"
    CONSILIUM_BIND="127.0.0.1:$port" CONSILIUM_DATA_DIR="$data/data" RUST_LOG=warn \
        "$bin" $cmd >"$out" 2>"$data/stderr" &
    pid=$!
    local i
    for i in $(seq 1 100); do
        grep -q "listening on" "$out" 2>/dev/null && break
        sleep 0.1
    done
    # The image's HEALTHCHECK command, pointed at this port.
    local check
    check=$(python3 - Dockerfile "$port" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("HEALTHCHECK "):
        argv = json.loads(line[line.index("CMD ") + 4:])
        print(json.dumps([a.replace("127.0.0.1/8080", "127.0.0.1/" + sys.argv[2]) for a in argv]))
PY
)
    if ! python3 -c 'import json,subprocess,sys; sys.exit(subprocess.run(json.loads(sys.argv[1]), timeout=5).returncode)' "$check"; then
        echo "error: the image's HEALTHCHECK failed against the binary" >&2
        cat "$data/stderr" >&2
        status=1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || { echo "error: the binary did not exit cleanly on SIGTERM" >&2; status=1; }
    rm -rf "$scratch" "$data"
    [ $status -eq 0 ] && echo "docker check: release build, start command and health check passed" >&2
    return $status
}

#!/usr/bin/env bash
# Wall time of running a container, mini-dockerd against the reference
# dockerd 20.10 on the same machine, in the same run (issue: "docker run
# --rm --network none busybox true in at most a quarter of dockerd's").
#
#   benches/run.sh [RUNS]
#
# Three measurements per daemon, each the median of RUNS runs:
#   - `docker run --rm --network none busybox true` through the docker CLI
#     (so the CLI's own ~17 ms is in both figures);
#   - the same on the default bridge network (a veth pair, an address and
#     a route each time: docker0 there, mdocker0 here);
#   - create + start + wait + remove through the API with curl (no CLI).
# mini-dockerd runs from a release build with its trace off.
set -euo pipefail
RUNS=${1:-20}
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
WORK=$(mktemp -d /tmp/mdrun.XXXXXX)
MD_PID=""
cleanup() {
  [ -n "$MD_PID" ] && kill "$MD_PID" 2>/dev/null || true
  sleep 0.5
  rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

cargo build --release --quiet --bin mini-dockerd
BIN=${CARGO_TARGET_DIR:-target}/release/mini-dockerd
"$BIN" -H "unix://$WORK/md.sock" --data-root "$WORK/root" --exec-root "$WORK/exec" >"$WORK/md.out" 2>"$WORK/md.log" &
MD_PID=$!
for _ in $(seq 1 100); do grep -q DOCKER_HOST "$WORK/md.out" 2>/dev/null && break; sleep 0.05; done
REF=$(../shared/tools/reference-dockerd.sh start | sed -n 's/^export DOCKER_HOST=unix:\/\///p')

# median_ms CMD...: run CMD $RUNS times (after one warm-up), print the median in ms.
median_ms() {
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

cli_run() { DOCKER_HOST="unix://$1" docker run --rm --network none busybox true; }
cli_run_bridge() { DOCKER_HOST="unix://$1" docker run --rm busybox true; }
api_cycle() {
  local sock=$1 id
  id=$(curl -s --unix-socket "$sock" -H 'Content-Type: application/json' \
        -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}' \
        http://x/v1.41/containers/create | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
  curl -s --unix-socket "$sock" -X POST "http://x/v1.41/containers/$id/start" >/dev/null
  curl -s --unix-socket "$sock" -X POST "http://x/v1.41/containers/$id/wait" >/dev/null
  curl -s --unix-socket "$sock" -X DELETE "http://x/v1.41/containers/$id" >/dev/null
}

md_cli=$(median_ms cli_run "$WORK/md.sock")
ref_cli=$(median_ms cli_run "$REF")
md_br=$(median_ms cli_run_bridge "$WORK/md.sock")
ref_br=$(median_ms cli_run_bridge "$REF")
md_api=$(median_ms api_cycle "$WORK/md.sock")
ref_api=$(median_ms api_cycle "$REF")
echo "median of $RUNS runs, ms          mini-dockerd   dockerd 20.10   ratio"
printf "docker run --rm --network none   %12s   %13s   %5.2f\n" "$md_cli" "$ref_cli" "$(awk -v a="$md_cli" -v b="$ref_cli" 'BEGIN{print a/b}')"
printf "docker run --rm (bridge)         %12s   %13s   %5.2f\n" "$md_br" "$ref_br" "$(awk -v a="$md_br" -v b="$ref_br" 'BEGIN{print a/b}')"
printf "create+start+wait+rm (API)       %12s   %13s   %5.2f\n" "$md_api" "$ref_api" "$(awk -v a="$md_api" -v b="$ref_api" 'BEGIN{print a/b}')"

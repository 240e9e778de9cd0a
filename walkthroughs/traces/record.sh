#!/bin/sh
# Record the trace files the README lists, from a real mini-dockerd, for
# `mini-dockerd tui --replay`. Run from the repository's root as root:
#
#   walkthroughs/traces/record.sh [path/to/mini-dockerd]
#
# Each recording starts a fresh daemon on a temporary socket with
# --trace-json, runs the lesson's commands against it, and stops it.
set -eu
BIN=${1:-target/debug/mini-dockerd}
OUT=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# record NAME "DAEMON FLAGS" COMMANDS...: one recording.
record() {
  name=$1; flags=$2; shift 2
  sock=$TMP/$name.sock
  "$BIN" -H "unix://$sock" --data-root "$TMP/$name-data" --exec-root "$TMP/$name-exec" \
    --trace-json "$OUT/$name.jsonl" $flags >/dev/null 2>&1 &
  pid=$!
  i=0
  until curl -s --unix-socket "$sock" http://localhost/_ping >/dev/null; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "daemon did not start" >&2; exit 1; }
    sleep 0.05
  done
  for cmd in "$@"; do
    SOCK=$sock DOCKER_HOST=unix://$sock sh -c "$cmd" >/dev/null 2>&1 || true
  done
  kill "$pid"; wait "$pid" || true
  echo "recorded $OUT/$name.jsonl ($(wc -l < "$OUT/$name.jsonl") records)"
}

record 01-startup "" \
  'curl -s --unix-socket $SOCK http://localhost/_ping' \
  'docker version' \
  'docker info'
record 03-the-mux "" "\"$BIN\" walkthrough 03 -H \$DOCKER_HOST"
record 04-middlewares "" "\"$BIN\" walkthrough 04 -H \$DOCKER_HOST"
record 05-errors "" "\"$BIN\" walkthrough 05 -H \$DOCKER_HOST" 'docker swarm leave'
record 08-engine-jobs "--engine-jobs" "\"$BIN\" walkthrough 08 -H \$DOCKER_HOST" 'docker version'
# Lessons 06 and 07 need containers: recorded beside the others and kept
# only when the daemon ran them (an older recording is left alone).
FINAL=$OUT
OUT=$TMP
record 06-docker-run "" 'docker run --rm busybox echo hello' "\"$BIN\" walkthrough 06 -H \$DOCKER_HOST"
record 07-streams "" \
  'docker run --rm busybox sh -c "echo out; echo err >&2"' \
  'docker run --rm -t busybox echo tty' \
  'ID=$(docker run -d busybox echo hi); docker wait $ID; docker logs $ID; docker rm $ID' \
  'curl -s --unix-socket $SOCK "http://localhost/v1.41/events?since=0&until=$(date +%s)"'
for f in 06-docker-run 07-streams; do
  if grep -q '"name":"postContainersStart"' "$TMP/$f.jsonl" && ! grep -q 'is not implemented in mini-dockerd' "$TMP/$f.jsonl"; then
    mv "$TMP/$f.jsonl" "$FINAL/$f.jsonl"
  else
    echo "no containers in this build: keeping the existing $f.jsonl" >&2
  fi
done

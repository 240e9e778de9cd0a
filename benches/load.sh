#!/usr/bin/env bash
# Request rate and idle memory: mini-dockerd (trace off, trace on) against
# the reference dockerd 20.10 (shared/tools/reference-dockerd.sh).
#
#   benches/load.sh [SECONDS] [CONNECTIONS]     (defaults: 5 s, 16 connections)
#
# For each daemon it drives GET /_ping and GET /containers/json over the
# unix socket, CONNECTIONS keep-alive connections for SECONDS each, with
# `oha` when it is installed (it speaks unix sockets) and otherwise with
# the small generator in benches/ping_load.rs. It prints req/s, the ratio
# mini-dockerd / dockerd, and each daemon's idle resident memory (ps rss,
# taken before any load). dockerd's figure is given alone and with the
# containerd it starts, since dockerd needs both to run a container.
#
# For /_ping it also prints how much CPU the daemon itself spent per
# request (user + system time from /proc/PID/stat, divided by the requests
# served): on 2 cores shared with the load generator, req/s moves with
# everything else on the machine, CPU per request much less.
#
# mini-dockerd runs from a release build. The trace-on run writes every
# record as JSON to /dev/null (--trace-json /dev/null), so it measures the
# cost of making and encoding records, not of a disk. The --tui run is
# the daemon as the README starts it, with its TUI drawing on a
# pseudo-terminal.
#
# On a shared 2-core machine the numbers move with the load of the other
# processes: compare the ratios of one run, not figures across runs.
set -euo pipefail
SECS=${1:-5}
CONNS=${2:-16}
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
WORK=$(mktemp -d /tmp/mdload.XXXXXX)
MD_PID=""
cleanup() {
  [ -n "$MD_PID" ] && kill "$MD_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building (release) ..." >&2
cargo build --release --quiet --bin mini-dockerd --example bare_hyper
BIN=${CARGO_TARGET_DIR:-target}/release/mini-dockerd
BARE=${CARGO_TARGET_DIR:-target}/release/examples/bare_hyper
GEN=""
if ! command -v oha >/dev/null 2>&1; then
  GEN=$(cargo bench --bench ping_load --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*ping_load-[0-9a-f]*\)).*/\1/p' | tail -1)
  [ -x "$GEN" ] || { echo "could not build benches/ping_load.rs" >&2; exit 1; }
fi

# rate SOCKET PATH -> prints req/s; details go to stderr.
rate() {
  local sock=$1 path=$2 out
  if [ -z "$GEN" ]; then
    out=$(oha --no-tui --output-format json -z "${SECS}s" -c "$CONNS" --unix-socket "$sock" "http://localhost$path")
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["summary"]["requestsPerSec"]))' <<<"$out"
  else
    out=$("$GEN" --socket "$sock" --path "$path" --conns "$CONNS" --secs "$SECS")
    echo "    $path: $out" >&2
    sed -n 's/.*req_per_s=\([0-9]*\).*/\1/p' <<<"$out"
  fi
}

rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# ping_cpu PID SOCKET: runs the /_ping case, sets PING (req/s) and
# PING_US (the process's CPU microseconds per request).
ping_cpu() {
  local t0 t1
  t0=$(cpu_ticks "$1")
  PING=$(rate "$2" /_ping)
  t1=$(cpu_ticks "$1")
  PING_US=$(python3 -c "print(f'{($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / ($PING * $SECS):.1f}')")
}

# start_md NAME [EXTRA ARGS...]: a mini-dockerd on $WORK/NAME.sock; sets MD_PID.
start_md() {
  local name=$1; shift
  local sock=$WORK/$name.sock
  "$BIN" -H "unix://$sock" --data-root "$WORK/$name-root" --exec-root "$WORK/$name-exec" \
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  MD_PID=$!
  for _ in $(seq 1 200); do
    grep -q '^export DOCKER_HOST=' "$WORK/$name.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^export DOCKER_HOST=' "$WORK/$name.out" || { cat "$WORK/$name.log" >&2; exit 1; }
  sleep 0.5 # let the process settle before reading its RSS
}

declare -A R
# The ceiling: a bare hyper server sending the same /_ping answer
# (examples/bare_hyper.rs), with nothing of ours in between.
echo "bare hyper (the ceiling) ..." >&2
"$BARE" "$WORK/bare.sock" >/dev/null &
MD_PID=$!
for _ in $(seq 1 100); do [ -S "$WORK/bare.sock" ] && break; sleep 0.05; done
R[bare_ping]=$(rate "$WORK/bare.sock" /_ping)
kill "$MD_PID"; wait "$MD_PID" 2>/dev/null || true; MD_PID=""

echo "mini-dockerd, trace off ..." >&2
start_md plain
R[md_rss]=$(rss_kb "$MD_PID")
ping_cpu "$MD_PID" "$WORK/plain.sock"
R[md_ping]=$PING R[md_us]=$PING_US
R[md_list]=$(rate "$WORK/plain.sock" /containers/json)
kill "$MD_PID"; wait "$MD_PID" 2>/dev/null || true; MD_PID=""

echo "mini-dockerd, trace on (--trace-json /dev/null) ..." >&2
start_md traced --trace-json /dev/null
ping_cpu "$MD_PID" "$WORK/traced.sock"
R[mdt_ping]=$PING R[mdt_us]=$PING_US
R[mdt_list]=$(rate "$WORK/traced.sock" /containers/json)
kill "$MD_PID"; wait "$MD_PID" 2>/dev/null || true; MD_PID=""

# The README's way to run the daemon: with its TUI (--tui), which needs a
# terminal. A pseudo-terminal of 160x48 stands in for one; its output is
# read and thrown away. Only /_ping is measured, and how many records the
# TUI took (the rest are counted as dropped: it takes a bounded batch per
# frame).
echo "mini-dockerd, trace on (--tui on a pty) ..." >&2
python3 - "$BIN" "$WORK" <<'PY' &
import fcntl, os, pty, struct, sys, termios
binary, work = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    os.execv(binary, [binary, "--tui", "-H", f"unix://{work}/tui.sock",
                      "--data-root", f"{work}/tui-root", "--exec-root", f"{work}/tui-exec"])
open(f"{work}/tui.pid", "w").write(str(pid))
while True:
    try:
        if not os.read(fd, 65536):
            break
    except OSError:
        break
os.waitpid(pid, 0)
PY
TUI_WRAPPER=$!
for _ in $(seq 1 200); do [ -S "$WORK/tui.sock" ] && break; sleep 0.05; done
[ -S "$WORK/tui.sock" ] || { echo "the --tui daemon did not start" >&2; exit 1; }
MD_PID=$(cat "$WORK/tui.pid")
sleep 0.5
ping_cpu "$MD_PID" "$WORK/tui.sock"
R[mdtui_ping]=$PING R[mdtui_us]=$PING_US
R[mdtui_took]=$(curl -s --unix-socket "$WORK/tui.sock" http://localhost/debug/vars | python3 -c '
import json, sys
t = json.load(sys.stdin)["trace"]
offered, layer, tui = max(t["offered"], 1), t["dropped_at_layer"], t["dropped_at_tui"]
shown = (offered - layer - tui) * 100 / offered
print("%.0f %% of records shown, %.1f %% dropped before the hub" % (shown, layer * 100 / offered))')
kill -TERM "$MD_PID"; wait "$TUI_WRAPPER" 2>/dev/null || true; MD_PID=""

echo "reference dockerd 20.10 ..." >&2
REF_DIR=${REF_DIR:-/tmp/reference-dockerd}
was_running=no
curl -sf --unix-socket "$REF_DIR/docker.sock" http://localhost/_ping >/dev/null 2>&1 && was_running=yes
/work/shared/tools/reference-dockerd.sh start >/dev/null
REF_PID=$(cat "$REF_DIR/dockerd.pid")
sleep 0.5
R[ref_rss]=$(rss_kb "$REF_PID")
CTD_PID=$(pgrep -P "$REF_PID" containerd || true)
R[ctd_rss]=0
[ -n "$CTD_PID" ] && R[ctd_rss]=$(rss_kb "$CTD_PID")
ping_cpu "$REF_PID" "$REF_DIR/docker.sock"
R[ref_ping]=$PING R[ref_us]=$PING_US
R[ref_list]=$(rate "$REF_DIR/docker.sock" /containers/json)
# Leave a dockerd that someone else started running.
[ "$was_running" = no ] && /work/shared/tools/reference-dockerd.sh stop

ratio() { python3 -c "print(f'{$1/$2:.2f}' if $2 else 'n/a')"; }
echo
echo "load: ${CONNS} connections x ${SECS}s per case, $(nproc) CPUs, generator: $([ -n "$GEN" ] && echo ping_load || echo oha)"
printf '%-28s %12s %12s\n' "req/s" "/_ping" "/containers/json"
printf '%-28s %12s %12s\n' "mini-dockerd (trace off)" "${R[md_ping]}" "${R[md_list]}"
printf '%-28s %12s %12s\n' "mini-dockerd (trace on)" "${R[mdt_ping]}" "${R[mdt_list]}"
printf '%-28s %12s %12s\n' "mini-dockerd (--tui)" "${R[mdtui_ping]}" "-"
printf '%-28s %12s %12s\n' "dockerd 20.10" "${R[ref_ping]}" "${R[ref_list]}"
printf '%-28s %12s %12s\n' "bare hyper (ceiling)" "${R[bare_ping]}" "-"
printf '%-28s %12s %12s\n' "ratio mini/dockerd (off)" "$(ratio "${R[md_ping]}" "${R[ref_ping]}")" "$(ratio "${R[md_list]}" "${R[ref_list]}")"
printf '%-28s %12s %12s\n' "ratio mini/dockerd (on)" "$(ratio "${R[mdt_ping]}" "${R[ref_ping]}")" "$(ratio "${R[mdt_list]}" "${R[ref_list]}")"
printf '%-28s %12s %12s\n' "ratio mini/dockerd (--tui)" "$(ratio "${R[mdtui_ping]}" "${R[ref_ping]}")" "-"
printf '%-28s %12s %12s\n' "ratio bare/dockerd" "$(ratio "${R[bare_ping]}" "${R[ref_ping]}")" "-"
printf '%-28s %12s %12s\n' "ratio trace on/off" "$(ratio "${R[mdt_ping]}" "${R[md_ping]}")" "$(ratio "${R[mdt_list]}" "${R[md_list]}")"
echo
echo "daemon CPU per /_ping: mini-dockerd ${R[md_us]} us (trace off), ${R[mdt_us]} us (trace on), ${R[mdtui_us]} us (--tui); dockerd ${R[ref_us]} us"
echo "--tui under load: ${R[mdtui_took]}"
echo "idle RSS: mini-dockerd ${R[md_rss]} KiB; dockerd ${R[ref_rss]} KiB (+ containerd ${R[ctd_rss]} KiB)"

#!/bin/bash
# bench/guests.sh: the guest platform and snapshots, each beside its
# baseline measured in the same run.
#
#   lua_fib          a CPU-bound Lua script (fib(30)) under mote and under
#                    Debian's lua5.4, whole process: median of RUNS
#   lua_start        `lua -e 'print(1)'`, whole process, mote (jailed, the
#                    default) and native: p50 of STARTS runs, interleaved
#   stdout / stdin   64 MiB through a pipe, the catbench guest against the
#                    same source built natively with musl-gcc -static
#   restore          start of a snapshot clone to its first instruction
#                    after the snapshot point (it calls READY at once),
#                    from a warm pool; beside a pooled start of hello to
#                    READY: p50 over CLONES starts
#   lua_serve        mote serve: a Lua function whose initialisation takes
#                    about 50 ms, p50 of REQS requests, from its snapshot
#                    (snapshot=on) and without
#   clone_memory     1000 idle clones of a snapshot with 8 MiB of
#                    initialised memory: host memory per clone beyond the
#                    shared snapshot, by a memory cgroup's accounting
#
# usage: bench/guests.sh BUILD OUT_DIR
# env:   RUNS (3), STARTS (50), CLONES (200), REQS (20), NCLONES (1000)
set -euo pipefail

BUILD=$1 OUT=$2
mkdir -p "$OUT"
MOTE=$BUILD/mote G=$BUILD/guests
RUNS=${RUNS:-3} STARTS=${STARTS:-50} CLONES=${CLONES:-200}
REQS=${REQS:-20} NCLONES=${NCLONES:-1000}
WORK=$(mktemp -d /tmp/mote-bench-guests.XXXXXX)
SERVE_PID= CG=
cleanup() {
	{ [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; } || true
	{ [ -n "$CG" ] && rmdir "$CG" 2>/dev/null; } || true
	rm -rf "$WORK"
}
trap cleanup EXIT

for tool in lua5.4 python3 curl; do
	command -v $tool >/dev/null || { echo "bench guests: $tool is not installed" >&2; exit 1; }
done
[ -r /dev/kvm ] || { echo "bench guests: /dev/kvm is not usable here" >&2; exit 1; }

now_ns() { date +%s%N; }
# Wall time of a command, in ns.
timed() { local t0; t0=$(now_ns); "$@" >/dev/null 2>&1; echo $(($(now_ns) - t0)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p50() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

FIB='local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end print(fib(30))'
echo "bench guests: lua fib(30)" >&2
: >"$WORK/fib.mote"; : >"$WORK/fib.native"
for _ in $(seq 1 "$RUNS"); do
	timed "$MOTE" run "$G/lua.elf" -e "$FIB" >>"$WORK/fib.mote"
	timed lua5.4 -e "$FIB" >>"$WORK/fib.native"
done

echo "bench guests: lua print(1), whole process" >&2
: >"$WORK/start.mote"; : >"$WORK/start.native"
for _ in $(seq 1 "$STARTS"); do
	timed "$MOTE" run "$G/lua.elf" -e 'print(1)' >>"$WORK/start.mote"
	timed lua5.4 -e 'print(1)' >>"$WORK/start.native"
done

echo "bench guests: 64 MiB through stdout and stdin" >&2
: >"$WORK/out.mote"; : >"$WORK/out.native"; : >"$WORK/in.mote"; : >"$WORK/in.native"
for _ in $(seq 1 "$RUNS"); do
	timed bash -c "'$MOTE' run '$G/catbench.elf' write | cat >/dev/null" >>"$WORK/out.mote"
	timed bash -c "'$G/catbench-native' write | cat >/dev/null" >>"$WORK/out.native"
	timed bash -c "head -c 64M /dev/zero | '$MOTE' run '$G/catbench.elf' read" >>"$WORK/in.mote"
	timed bash -c "head -c 64M /dev/zero | '$G/catbench-native' read" >>"$WORK/in.native"
done

echo "bench guests: snapshot restore against a pooled start" >&2
"$MOTE" run --snapshot --count "$CLONES" --pool 8 --workers 2 --stats \
	"$G/snap-probe.elf" ready 2>"$WORK/restore.json" >/dev/null
"$MOTE" run --count "$CLONES" --pool 8 --workers 2 --stats "$G/hello.elf" \
	2>"$WORK/pooled.json" >/dev/null
agg() { # FILE KEY: the p50 of an aggregate in mote run --stats
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["aggregate"][sys.argv[2]]["p50"])' "$1" "$2"
}

echo "bench guests: a Lua function with a 50 ms initialisation" >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
INIT='t = {} for i = 1, 700000 do t[i] = tostring(i) end'
cat >"$WORK/serve.cfg" <<EOF
functions = (
  { name = "snap"; image = "$G/lua.elf"; snapshot = true; mem = "128M";
    args = [ "-e", "$INIT", "--snapshot", "-e", "print(#t)" ]; },
  { name = "cold"; image = "$G/lua.elf"; mem = "128M";
    args = [ "-e", "$INIT", "-e", "print(#t)" ]; }
);
EOF
"$MOTE" serve --listen "127.0.0.1:$PORT" --config "$WORK/serve.cfg" 2>/dev/null &
SERVE_PID=$!
for _ in $(seq 1 400); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && break
	sleep 0.05
done
: >"$WORK/serve.snap"; : >"$WORK/serve.cold"
for _ in $(seq 1 "$REQS"); do
	curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/fn/snap" >>"$WORK/serve.snap"
	curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/fn/cold" >>"$WORK/serve.cold"
done
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=

echo "bench guests: $NCLONES idle clones, memory by cgroup" >&2
mem_cg() { # a fresh memory cgroup: v2 where mounted, else v1; 1 if none
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
			echo +memory >/sys/fs/cgroup/cgroup.subtree_control || return 1
		CG=/sys/fs/cgroup/mote-bench-$$; USAGE=$CG/memory.current
	else
		CG=/sys/fs/cgroup/memory/mote-bench-$$; USAGE=$CG/memory.usage_in_bytes
	fi
	mkdir "$CG" || { CG=; return 1; }
	[ -r "$USAGE" ] || { rmdir "$CG"; CG=; return 1; }
}
clone_kib=null clone_note="no memory cgroup (needs root)"
if mem_cg 2>/dev/null; then
	usage_with() { # N: cgroup usage with N idle clones up
		bash -c "echo \$\$ > '$CG/cgroup.procs'; exec '$MOTE' run --snapshot --count $1 \
			--mem 32M --output '$WORK/clones' '$G/snap-probe.elf' idle 20" &
		local pid=$! prev=0 cur
		for _ in $(seq 1 100); do # until usage holds still
			sleep 0.2; cur=$(cat "$USAGE")
			[ $((cur - prev)) -lt 1048576 ] && [ $((cur - prev)) -gt -1048576 ] && [ "$prev" -gt 0 ] && break
			prev=$cur
		done
		cat "$USAGE"; wait $pid || true
	}
	one=$(usage_with 1); many=$(usage_with "$NCLONES")
	clone_kib=$(( (many - one) / (NCLONES - 1) / 1024 ))
	clone_note="(usage with $NCLONES clones - usage with 1) / $((NCLONES - 1)), cgroup $(basename "$(dirname "$USAGE")")"
fi

python3 - "$WORK" "$OUT" "$clone_kib" "$clone_note" <<'EOF'
import json, statistics, sys, os
w, out, clone_kib, note = sys.argv[1:5]
def vals(n): return [float(x) for x in open(os.path.join(w, n)) if x.strip()]
def med(n): return statistics.median(vals(n))
def agg(f, k):
    return json.load(open(os.path.join(w, f)))["aggregate"][k]["p50"]
r = {
  "lua_fib_ms": {"mote": med("fib.mote") / 1e6, "native_lua5.4": med("fib.native") / 1e6},
  "lua_start_ms_p50": {"mote": med("start.mote") / 1e6, "native_lua5.4": med("start.native") / 1e6},
  "stdout_64mib_mib_s": {"mote": 64e9 / med("out.mote"), "native": 64e9 / med("out.native")},
  "stdin_64mib_mib_s": {"mote": 64e9 / med("in.mote"), "native": 64e9 / med("in.native")},
  "restore_us_p50": {"snapshot_clone_to_ready": agg("restore.json", "start_to_ready_us"),
                     "pooled_start_to_ready": agg("pooled.json", "start_to_ready_us")},
  "lua_serve_ms_p50": {"from_snapshot": med("serve.snap") * 1e3, "without": med("serve.cold") * 1e3},
  "clone_memory_kib": {"per_clone_beyond_snapshot": None if clone_kib == "null" else int(clone_kib), "how": note},
}
for k in ("lua_fib_ms", "lua_start_ms_p50"):
    r[k]["ratio"] = r[k]["mote"] / r[k]["native_lua5.4"]
for k in ("stdout_64mib_mib_s", "stdin_64mib_mib_s"):
    r[k]["ratio"] = r[k]["mote"] / r[k]["native"]
json.dump(r, open(os.path.join(out, "guests.json"), "w"), indent=2)
md = ["| measure | mote | baseline | ratio |", "|---|---|---|---|",
  "| Lua fib(30), whole process | %.0f ms | %.0f ms (lua5.4) | %.2fx |" % (r["lua_fib_ms"]["mote"], r["lua_fib_ms"]["native_lua5.4"], r["lua_fib_ms"]["ratio"]),
  "| `lua -e 'print(1)'`, whole process, p50 | %.2f ms | %.2f ms (lua5.4) | %.2fx |" % (r["lua_start_ms_p50"]["mote"], r["lua_start_ms_p50"]["native_lua5.4"], r["lua_start_ms_p50"]["ratio"]),
  "| 64 MiB to stdout through a pipe | %.0f MiB/s | %.0f MiB/s (native musl) | %.2fx |" % (r["stdout_64mib_mib_s"]["mote"], r["stdout_64mib_mib_s"]["native"], r["stdout_64mib_mib_s"]["ratio"]),
  "| 64 MiB from stdin through a pipe | %.0f MiB/s | %.0f MiB/s (native musl) | %.2fx |" % (r["stdin_64mib_mib_s"]["mote"], r["stdin_64mib_mib_s"]["native"], r["stdin_64mib_mib_s"]["ratio"]),
  "| snapshot clone to its first instruction, p50 | %.0f µs | %.0f µs (pooled start of hello) | |" % (r["restore_us_p50"]["snapshot_clone_to_ready"], r["restore_us_p50"]["pooled_start_to_ready"]),
  "| Lua function with a 50 ms initialisation, request p50 | %.2f ms | %.2f ms (without snapshot) | |" % (r["lua_serve_ms_p50"]["from_snapshot"], r["lua_serve_ms_p50"]["without"]),
  "| host memory per idle clone beyond the snapshot | %s | | |" % ("%d KiB" % r["clone_memory_kib"]["per_clone_beyond_snapshot"] if r["clone_memory_kib"]["per_clone_beyond_snapshot"] is not None else "not measured: " + note),
]
open(os.path.join(out, "guests.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
EOF

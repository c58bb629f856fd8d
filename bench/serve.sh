#!/bin/bash
# bench/serve.sh: mote serve against a CGI baseline, with wrk.
#
# Both servers answer a 1 KiB POST with the same echo program
# (guest_abi/examples/echo.c): mote serve runs it as a guest in a fresh
# microVM per request; busybox httpd runs it natively (musl-gcc -static,
# -DECHO_CGI) as a CGI process per request. wrk drives each at 1, 16 and
# 64 connections in the same run. Reported: requests/s, p50/p99 latency,
# host CPU per request (utime+stime of the server's process tree, children
# included, from /proc/PID/stat) and whether connections were kept alive.
#
# usage: bench/serve.sh MOTE ECHO_GUEST ECHO_CGI OUT_DIR
# env:   SECS (per run, default 5), CONNS (default "1 16 64")
set -euo pipefail

MOTE=$1 GUEST=$2 CGI=$3 OUT=$4
SECS=${SECS:-5}
CONNS=${CONNS:-"1 16 64"}
WORK=$(mktemp -d /tmp/mote-bench-serve.XXXXXX)
MOTE_PID= BB_PID=
cleanup() {
	{ [ -n "$MOTE_PID" ] && kill -TERM "$MOTE_PID" 2>/dev/null && wait "$MOTE_PID" 2>/dev/null; } || true
	{ [ -n "$BB_PID" ] && kill "$BB_PID" 2>/dev/null && wait "$BB_PID" 2>/dev/null; } || true
	rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk busybox curl python3; do
	command -v $tool >/dev/null || { echo "bench serve: $tool is not installed" >&2; exit 1; }
done
[ -r /dev/kvm ] || { echo "bench serve: /dev/kvm is not usable here" >&2; exit 1; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# CPU ticks (user+system, waited-for children included) of a process tree.
tree_ticks() {
	local pid=$1 sum kids k
	sum=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
	kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
	for k in $kids; do sum=$((sum + $(tree_ticks "$k"))); done
	echo "$sum"
}

wait_ready() { # URL [STATUS]: until URL answers STATUS (default 200)
	for _ in $(seq 1 200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "${2:-200}" ] &&
			return 0
		sleep 0.05
	done
	echo "bench serve: $1 never answered 200" >&2
	exit 1
}

# Whether the server keeps a connection open across two requests.
keep_alive() {
	if curl -sv -o /dev/null -o /dev/null --data-binary @"$WORK/body" \
		"$1" "$1" 2>&1 | grep -q 'Re-using existing connection'; then
		echo true
	else
		echo false
	fi
}

head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/body"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$WORK/body", "rb")
wrk.body = f:read("*a")
f:close()
LUA

# busybox httpd: the CGI baseline.
mkdir -p "$WORK/www/cgi-bin"
cp "$CGI" "$WORK/www/cgi-bin/echo"
BB_PORT=$(free_port)
busybox httpd -f -p "127.0.0.1:$BB_PORT" -h "$WORK/www" &
BB_PID=$!
BB_URL="http://127.0.0.1:$BB_PORT/cgi-bin/echo"
wait_ready "http://127.0.0.1:$BB_PORT/" 404
[ "$(curl -s --data-binary @"$WORK/body" "$BB_URL")" = "$(cat "$WORK/body")" ] ||
	{ echo "bench serve: busybox CGI echo does not echo" >&2; exit 1; }

# mote serve, jailed as by default, with a warm pool.
M_PORT=$(free_port)
"$MOTE" serve --listen "127.0.0.1:$M_PORT" \
	--function "echo=$GUEST,pool=16,concurrency=64,queue=1024" \
	2>"$WORK/mote.log" &
MOTE_PID=$!
M_URL="http://127.0.0.1:$M_PORT/fn/echo"
wait_ready "http://127.0.0.1:$M_PORT/readyz"
[ "$(curl -s --data-binary @"$WORK/body" "$M_URL")" = "$(cat "$WORK/body")" ] ||
	{ echo "bench serve: mote echo does not echo" >&2; exit 1; }

HZ=$(getconf CLK_TCK)
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
run() { # name url pid conns
	local name=$1 url=$2 pid=$3 c=$4 t0 t1 out threads
	threads=$(( c < 2 ? 1 : 2 ))
	t0=$(tree_ticks "$pid")
	out=$(wrk -t"$threads" -c"$c" -d"${SECS}s" --latency -s "$WORK/post.lua" "$url")
	t1=$(tree_ticks "$pid")
	echo "$out" > "$WORK/wrk-$name-$c.txt"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$((t1 - t0))" "$HZ" \
		"$WORK/wrk-$name-$c.txt" >> "$RESULTS"
}
for c in $CONNS; do
	run busybox-cgi "$BB_URL" "$BB_PID" "$c"
	run mote-serve "$M_URL" "$MOTE_PID" "$c"
done
KA_BB=$(keep_alive "$BB_URL")
KA_M=$(keep_alive "$M_URL")

mkdir -p "$OUT"
python3 - "$RESULTS" "$OUT" "$KA_BB" "$KA_M" "$SECS" <<'PY'
import json, re, sys
results, out, ka_bb, ka_m, secs = sys.argv[1:]
def ms(v, unit):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
rows = []
for line in open(results):
    name, conns, ticks, hz, path = line.rstrip("\n").split("\t")
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    lat = {p: ms(v, u) for p, v, u in
           re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockerr = re.search(r"Socket errors: (.*)", text)
    cpu_s = int(ticks) / int(hz)
    rows.append({
        "server": name, "connections": int(conns), "requests": total,
        "requests_per_s": rps, "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
        "cpu_us_per_request": cpu_s * 1e6 / total if total else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sockerr.group(1) if sockerr else "",
        "keep_alive": (ka_m if name == "mote-serve" else ka_bb) == "true",
    })
doc = {"benchmark": "serve", "body_bytes": 1024, "seconds_per_run": int(secs),
       "client": "wrk 4.1", "rows": rows,
       "notes": "CPU per request: utime+stime of the server's process tree "
                "(children waited for included; guest time counts as user "
                "time of the vCPU threads), from /proc/PID/stat."}
json.dump(doc, open(f"{out}/serve.json", "w"), indent=2)
md = ["| server | conns | req/s | p50 ms | p99 ms | CPU µs/req | keep-alive | non-2xx |",
      "|---|---|---|---|---|---|---|---|"]
for r in rows:
    md.append(f"| {r['server']} | {r['connections']} | {r['requests_per_s']:.0f} | "
              f"{r['p50_ms']:.3f} | {r['p99_ms']:.3f} | "
              f"{r['cpu_us_per_request']:.0f} | {'yes' if r['keep_alive'] else 'no'} | "
              f"{r['non_2xx']} |")
open(f"{out}/serve.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY

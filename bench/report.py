#!/usr/bin/env python3
"""The one formatter of mote's benchmark reports: reads the JSON that
`mote bench` writes and draws the Markdown table (the README's), the boot
latency CDFs and the density plot (gnuplot). No figure is computed here
that the JSON does not hold, except ratios of two medians it holds.

  report.py REPORT.json [--md FILE] [--boot-png FILE] [--density-png FILE]
                        [--readme README.md]

--readme replaces what lies between the README's markers
"<!-- bench/results/latest.md -->" and "<!-- end bench/results/latest.md -->".
"""
import argparse
import json
import subprocess
import sys

DASH = "—"
BEGIN = "<!-- bench/results/latest.md -->"
END = "<!-- end bench/results/latest.md -->"


def t(us):
    """µs below a millisecond, else ms: short cells that keep 3 digits."""
    if us is None or us <= 0:
        return DASH
    if us < 1e3:
        return f"{us:.0f} µs"
    if us < 1e5:
        return f"{us / 1e3:.2f} ms"
    return f"{us / 1e3:.0f} ms"


def ratio(a, b):
    if a is None or b is None or not a > 0 or not b > 0:
        return DASH
    x = a / b
    return f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×"


def measured(x):
    return isinstance(x, dict) and x.get("status", "measured") == "measured"


def p50(s, ready):
    st = s.get("to_ready_us" if ready else "to_exit_us") or {}
    return st.get("p50") if st.get("n") else None


def boot_cell(s, ready):
    if s is None:
        return DASH
    if not measured(s):
        return s["status"]
    st = s.get("to_ready_us" if ready else "to_exit_us") or {}
    if not st.get("n"):
        return f"failed: {s.get('failed', 0)} of {s.get('runs', 0)}"
    return f"{t(st['p50'])} ({t(st['p99'])})"


def boot_rows(b):
    ser = b["series"]
    rows = [
        ("boot to ready, cold, p50 (p99)", "cold", "floor", None, True),
        ("boot to exit, cold, p50 (p99)", "cold", "floor", None, False),
        ("boot to ready, warm pool, p50 (p99)", "pooled", None, None, True),
        ("whole process to ready, p50 (p99)", "process", None, "qemu", True),
        ("whole process to exit, p50 (p99)", "process", None, "qemu", False),
        ("whole process to exit without the jail (`--no-jail`), p50 (p99)",
         "nojail", None, None, False),
    ]
    out = []
    for what, m, f, q, ready in rows:
        if m not in ser:
            continue
        ms, fs, qs = ser[m], ser.get(f) if f else None, ser.get(q) if q else None

        def r(o):
            if o is None or not measured(o) or not measured(ms):
                return DASH
            return ratio(p50(ms, ready), p50(o, ready))
        out.append(f"| {what} | {boot_cell(ms, ready)} | {boot_cell(fs, ready)}"
                   f" | {boot_cell(qs, ready)} | {r(fs)} | {r(qs)} |")
    return out


def valid(h):
    return measured(h) and h.get("valid") and h.get("host_mib_per_vm") is not None


def mib(h):
    s = f"{h['host_mib_per_vm']:.3f} MiB"
    if h.get("spread") is not None and h.get("samples_kib_per_vm"):
        s += f" ±{100 * h['spread'] / 2:.1f}%"
    return s


def density_rows(d):
    steps = d.get("steps", [])
    top = next((s for s in reversed(steps) if valid(s["mote"])), None)
    if not top:
        return ["| host memory per idle VM | no valid step | | | | |"]
    q = next((s for s in reversed(steps) if valid(s["qemu"]) and valid(s["mote"])),
             None)
    qwhy = next((s["qemu"]["status"] for s in steps
                 if not measured(s["qemu"])), DASH)
    fl, mo = top["floor"], top["mote"]
    n = top["vms"]
    out = []
    fcell = mib(fl) if valid(fl) else (fl.get("status") if not measured(fl)
                                        else "not valid")
    qcell = (f"{q['qemu']['host_mib_per_vm']:.1f} MiB at {q['vms']}" if q
             else qwhy)
    extra = " (QEMU: at its largest step)" if q and q is not top else ""
    out.append(f"| host memory per idle VM, {n} VMs{extra} | {mib(mo)} | {fcell}"
               f" | {qcell} | "
               f"{ratio(mo['host_mib_per_vm'], fl['host_mib_per_vm']) if valid(fl) else DASH}"
               f" | {ratio(q['mote']['host_mib_per_vm'], q['qemu']['host_mib_per_vm']) if q else DASH} |")
    fr = (f"{t(fl['all_ready_ms'] * 1e3)} (one by one)" if measured(fl)
          else fl["status"])
    qr = (f"{t(q['qemu']['all_ready_ms'] * 1e3)} at {q['vms']}" if q else qwhy)
    out.append(f"| time until all {n} VMs are ready | {t(mo['all_ready_ms'] * 1e3)}"
               f" | {fr} | {qr} | "
               f"{ratio(mo['all_ready_ms'], fl['all_ready_ms']) if measured(fl) else DASH}"
               f" | {ratio(q['mote']['all_ready_ms'], q['qemu']['all_ready_ms']) if q else DASH} |")
    if d.get("warm_pool_all_ready_ms"):
        w = d["warm_pool_vms"]
        out.append(f"| time until {w} VMs from a full warm pool have run their "
                   f"first instruction | {t(d['warm_pool_all_first_insn_ms'] * 1e3)}"
                   f" | {DASH} | {DASH} | {DASH} | {DASH} |")
        out.append(f"| time until {w} VMs from a full warm pool are ready | "
                   f"{t(d['warm_pool_all_ready_ms'] * 1e3)} | {DASH} | {DASH} "
                   f"| {DASH} | {DASH} |")
    return out


def rate_rows(r):
    sy = r["systems"]
    fl, q = sy.get("floor", {}), sy.get("qemu", {})
    out = []
    for k, what in (("pooled", "warm pool"), ("cold", "cold (create, destroy)")):
        line = sy.get(k)
        if not line or not measured(line):
            continue
        v = line["per_second"]
        fc = f"{fl['per_second']:.0f}/s" if measured(fl) else fl.get("status", DASH)
        qc = f"{q['per_second']:.1f}/s" if measured(q) else q.get("status", DASH)
        out.append(f"| sustained starts/s, {what}, start → exit | {v:.0f}/s | {fc}"
                   f" | {qc} | {ratio(v, fl.get('per_second')) if measured(fl) else DASH}"
                   f" | {ratio(v, q.get('per_second')) if measured(q) else DASH} |")
    return out


def include_rows(name, rep, out, path=""):
    """Any object holding guest_median, host_median and ratio."""
    if not isinstance(rep, dict):
        return
    if "guest_median" in rep and "host_median" in rep:
        unit = f" ({rep['unit']})" if rep.get("unit") else ""
        r = rep.get("ratio")
        rc = f"{r:.3f}×" if isinstance(r, (int, float)) else \
            f"none ({rep.get('ratio_missing', 'not measured')})"
        out.append(f"| {name} {path}{unit}, median | {rep['guest_median']:.1f} | "
                   f"{rep['host_median']:.1f} (host) | {rc} |")
        return
    for k, v in rep.items():
        include_rows(name, v, out, k)


def markdown(rep):
    m = rep["machine"]
    kvm = m.get("kvm", {})
    busy = ("; the host was busy (other processes used more than 10% of its "
            "CPU), so figures are noisy" if m.get("busy") else "")
    lines = [f"Measured {rep.get('timestamp', '?')} on {m['cores']} cores, "
             f"{m['mem_total_kib'] / (1 << 20):.1f} GiB, Linux {m['kernel']}, "
             f"KVM flavour **{kvm.get('flavour', '?')}** "
             f"({kvm.get('decided_by', '?')}){busy}."]
    if "mote_version" in rep:
        lines[0] += (f" mote {rep['mote_version']}, commit "
                     f"`{rep.get('git_commit', 'unknown')[:12]}`, built with "
                     f"{rep.get('compiler', '?')}; guest memory "
                     f"{rep.get('guest_mem_bytes', 0) >> 20} MiB.")
    lines += ["", "| measure | mote | raw-KVM floor | QEMU microvm | mote / floor "
              "| mote / QEMU |", "|---|---|---|---|---|---|"]
    if "boot" in rep:
        lines += boot_rows(rep["boot"])
    if "density" in rep:
        lines += density_rows(rep["density"])
    if "rate" in rep:
        lines += rate_rows(rep["rate"])
    lines.append("")
    second = []
    c = rep.get("compute")
    if measured(c):
        second.append(f"| compute kernel, median of {c['runs']} | "
                      f"{t(c['guest_ms'] * 1e3)} | {t(c['native_ms'] * 1e3)} "
                      f"(native) | {c['guest_over_native']:.3f}× |")
    for name in ("blk", "net"):
        if isinstance(rep.get(name), dict):
            include_rows(name, rep[name], second)
    if second:
        lines += ["| measure | mote guest | host | guest / host |",
                  "|---|---|---|---|"] + second + [""]
    notes = []
    if "boot" in rep:
        b = rep["boot"]
        notes.append(f"Boot: {b['runs']} runs of each, interleaved; ready = the "
                     "guest's READY hypercall (floor: its only exit; QEMU: a "
                     "byte on debugcon).")
        if b["runs"] < 100:
            notes.append(f"n={b['runs']}: p99 is the maximum.")
    if "density" in rep:
        d = rep["density"]
        last = d["steps"][-1]["vms"] if d.get("steps") else 0
        how = ("memory cgroup per system and step, kernel memory included, "
               f"median of {d.get('samples_per_step', 1)} samples (± half "
               "their range)" if d.get("cgroup_version")
               else "drop in MemAvailable")
        notes.append(f"Density: host memory by {how}; steps up to {last} VMs; "
                     f"stopped: {d['stopped_because']}.")
    if "rate" in rep:
        r = rep["rate"]
        notes.append(f"Rate: {r['runs']} runs of {r['seconds_per_run']:.1f} s "
                     "per system.")
    lines.append(" ".join(notes))
    return "\n".join(lines) + "\n"


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def boot_png(rep, png):
    b = rep["boot"]
    data, plots = [], []
    for i, (name, s) in enumerate(b["series"].items()):
        if not measured(s) or not s.get("exit_us"):
            continue
        for kind, key, style in (("ready", "ready_us", "lw 2"),
                                 ("exit", "exit_us", "lw 1 dt 2")):
            v = sorted(x for x in s[key] if x is not None)
            if not v:
                continue
            data.append(f"${name}_{kind} << EOD")
            data += [f"{x:.3f} {(k + 1) / len(v):.5f}" for k, x in enumerate(v)]
            data.append("EOD")
            plots.append(f"${name}_{kind} using 1:2 with steps {style} lc {i + 1} "
                         f"title '{name} to {kind}'")
    gnuplot("\n".join(data) + f"""
set terminal pngcairo size 960,600 font ',10'
set output '{png}'
set title 'mote bench boot: {b["image"]} ({b["runs"]} runs each)'
set xlabel 'latency from start (microseconds, log scale)'
set ylabel 'fraction of starts'
set logscale x
set grid
set key outside right top
set yrange [0:1]
plot {", ".join(plots)}
""")


def density_png(rep, png):
    d = rep["density"]
    data, plots = [], []
    for key, title in (("mote", "mote"), ("floor", "raw-KVM floor"),
                       ("qemu", "QEMU microvm")):
        pts = [(s["vms"], s[key]) for s in d["steps"] if valid(s[key])]
        if not pts:
            continue
        data.append(f"${key} << EOD")
        for n, h in pts:
            ks = h.get("samples_kib_per_vm") or [h["host_kib_per_vm"]]
            data.append(f"{n} {h['host_mib_per_vm']:.4f} {min(ks) / 1024:.4f} "
                        f"{max(ks) / 1024:.4f}")
        data.append("EOD")
        plots.append(f"${key} using 1:2:3:4 with yerrorlines lw 2 pt 7 "
                     f"title '{title}'")
    if not plots:
        sys.exit("report.py: density: no valid step to plot")
    gnuplot("\n".join(data) + f"""
set terminal pngcairo size 960,600 font ',10'
set output '{png}'
set title 'mote bench density: host memory per idle VM ({d["image"]})'
set xlabel 'concurrent VMs (log scale)'
set ylabel 'host memory per VM (MiB, log scale; bars: min to max sample)'
set logscale xy
set grid
set key top right
set offsets graph 0.05, graph 0.05, 0, 0
plot {", ".join(plots)}
""")


def readme(path, md):
    text = open(path).read()
    a, b = text.find(BEGIN), text.find(END)
    if a < 0 or b < a:
        sys.exit(f"report.py: {path} has no {BEGIN} ... {END} block")
    open(path, "w").write(text[:a + len(BEGIN)] + "\n" + md + text[b:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json")
    ap.add_argument("--md")
    ap.add_argument("--boot-png")
    ap.add_argument("--density-png")
    ap.add_argument("--readme")
    a = ap.parse_args()
    for png in (a.boot_png, a.density_png):
        if png and not png.endswith(".png"):
            sys.exit(f"report.py: {png}: plots are PNG files; the name must "
                     "end in .png")
    rep = json.load(open(a.json))
    md = markdown(rep)
    if a.md:
        open(a.md, "w").write(md)
    if a.readme:
        readme(a.readme, md)
    if a.boot_png and "boot" in rep:
        boot_png(rep, a.boot_png)
    if a.density_png and "density" in rep:
        density_png(rep, a.density_png)
    if not (a.md or a.readme or a.boot_png or a.density_png):
        sys.stdout.write(md)


if __name__ == "__main__":
    main()

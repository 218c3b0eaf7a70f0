#!/usr/bin/env python3
"""Multi-core scaling of placesim, for a many-core machine (docs/performance.md, "Parallel scaling").

Runs the release binary, whole processes as a planner runs them (synthesis, the replicates and
writing every output file; no charts):

1. the thread curve: `placesim run scenarios/baseline.toml --replicates R --threads T` for each
   T in THREADS (default 1 2 4 8 16, capped at the cores here), full scale, wall time, CPU time
   and peak RSS of each process, and the SHA-256 of every data file it wrote, which must be the
   same at every thread count (the engine's invariant: results do not depend on threads);
2. the board pack: `placesim compare scenarios/board-pack.list --replicates N` on every core.

Standard library only. Writes `scaling.json` and prints a table. Environment:
PLACESIM (binary, default target/release/placesim), REPLICATES (curve, default 16),
PACK_REPLICATES (board pack, default 100; 0 skips it), THREADS (e.g. "1 2"), WORK (scratch
folder, default /tmp/placesim-scaling), RESULT (folder for scaling.json, default WORK).

    cargo build --release && python3 benches/scaling.py
"""

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time


def env_int(name, default):
    text = os.environ.get(name)
    return default if text is None or text == "" else int(text)


def timed(cmd):
    """Runs cmd; returns (exit code, wall s, user+sys CPU s, peak RSS MB, last output lines)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = out.decode("utf-8", "replace").strip().splitlines()[-8:]
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, tail


def data_digest(folder):
    """SHA-256 over every data file (.csv) a run wrote, in name order."""
    digest = hashlib.sha256()
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if name.endswith(".csv"):
                path = os.path.join(root, name)
                digest.update(os.path.relpath(path, folder).encode())
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def main():
    binary = os.environ.get("PLACESIM", "target/release/placesim")
    cores = os.cpu_count() or 1
    reps = env_int("REPLICATES", 16)
    pack_reps = env_int("PACK_REPLICATES", 100)
    threads = [int(t) for t in os.environ.get("THREADS", "1 2 4 8 16").split()]
    threads = [t for t in threads if t <= cores] or [1]
    work = os.environ.get("WORK", "/tmp/placesim-scaling")
    result_dir = os.environ.get("RESULT", work)
    os.makedirs(work, exist_ok=True)
    os.makedirs(result_dir, exist_ok=True)

    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu_model = next((l.split(":", 1)[1].strip() for l in handle if l.startswith("model name")), "")
    except OSError:
        pass
    report = {
        "machine": {"cores": cores, "cpu": cpu_model, "platform": platform.platform()},
        "curve": {"replicates": reps, "rows": []},
        "board_pack": None,
    }
    print(f"{cores} cores, {cpu_model}", flush=True)

    def save():
        with open(os.path.join(result_dir, "scaling.json"), "w") as handle:
            json.dump(report, handle, indent=2)

    base = None
    for t in threads:
        out = os.path.join(work, f"t{t}")
        cmd = [binary, "run", "scenarios/baseline.toml", "--replicates", str(reps), "--threads", str(t),
               "--out", out, "--force", "-q", "--no-plots"]
        code, wall, cpu, rss, tail = timed(cmd)
        if code != 0:
            print("\n".join(tail), file=sys.stderr)
            report["curve"]["rows"].append({"threads": t, "exit": code})
            save()
            return 1
        digest = data_digest(out)
        base = base or (wall, digest)
        row = {
            "threads": t, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_rss_mb": round(rss, 1),
            "speedup": round(base[0] / wall, 3), "efficiency": round(base[0] / wall / t, 3),
            "data_sha256": digest, "identical_to_first": digest == base[1],
        }
        report["curve"]["rows"].append(row)
        save()
        print(f"threads {t:>2}: {wall:8.2f} s wall, {cpu:8.2f} s CPU, {rss:7.1f} MB, "
              f"speed-up {row['speedup']:.2f}, efficiency {row['efficiency']:.1%}, "
              f"identical data: {row['identical_to_first']}", flush=True)
        shutil.rmtree(out, ignore_errors=True)

    if pack_reps > 0:
        out = os.path.join(work, "pack")
        cmd = [binary, "compare", "scenarios/board-pack.list", "--replicates", str(pack_reps),
               "--threads", "0", "--out", out, "--force", "-q", "--no-plots"]
        code, wall, cpu, rss, tail = timed(cmd)
        report["board_pack"] = {
            "scenarios": 5, "replicates": pack_reps, "threads": cores, "exit": code,
            "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_rss_mb": round(rss, 1),
            "cpu_utilisation": round(cpu / wall / cores, 3),
        }
        save()
        print(f"board pack, {pack_reps} replicates x 5 scenarios on {cores} threads: exit {code}, "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU ({cpu / wall / cores:.0%} of {cores} cores), "
              f"{rss:.0f} MB", flush=True)
        if code != 0:
            print("\n".join(tail), file=sys.stderr)
            return 1
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

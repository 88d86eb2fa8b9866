"""``python -m bench.cli_startup``: CPU time of the command line (user + system, of the
child process, median of N runs), the figures of bench/RESULTS.md "CLI start-up".

Targets: `partnerhub --help` under 0.3 s, a read command on the demo database under 1 s.
The demo database (300 customers, the default) is built once into bench/out/."""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PARTNERHUB = shutil.which("partnerhub", path=str(Path(sys.executable).parent)) or "partnerhub"


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([PARTNERHUB, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0,):
        raise SystemExit(f"partnerhub {' '.join(args)} failed: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    db = OUT / "cli-demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    env.update(PARTNERHUB_DATABASE_URL=f"sqlite:///{db}", PARTNERHUB_AS_OF="2026-11-25")
    if not db.exists():
        subprocess.run([PARTNERHUB, "demo", "--database-url", f"sqlite:///{db}", "--out", str(OUT / "cli-demo"),
                        "--as-of", "2026-11-25"], env=env, check=True, stdout=subprocess.DEVNULL)
    cases = [
        ("partnerhub --help", ["--help"], 0.3),
        ("partnerhub --version", ["--version"], 0.3),
        ("partnerhub db -h", ["db", "-h"], 0.3),
        ("partnerhub db current", ["db", "current"], 1.0),
        ("partnerhub kpis", ["kpis"], 1.0),
        ("partnerhub customers lookup \"zurich finanz\"", ["customers", "lookup", "zurich finanz"], 1.0),
        ("partnerhub customers list status:expiring_soon", ["customers", "list", "status:expiring_soon"], 1.0),
        ("partnerhub section low --product meetings", ["section", "low", "--product", "meetings"], 1.0),
    ]
    print(f"{'command':<52}{'median CPU s':>13}{'min':>7}{'max':>7}  target")
    for label, args, target in cases:
        runs = [cpu_seconds(args, env) for _ in range(opts.runs)]
        median = statistics.median(runs)
        mark = "ok" if median < target else "MISSED"
        print(f"{label:<52}{median:>13.3f}{min(runs):>7.3f}{max(runs):>7.3f}  < {target} {mark}")


if __name__ == "__main__":
    main()

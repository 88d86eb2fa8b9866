"""``python -m bench.cli_startup``: CPU time of the command line (user + system, of the
child process, median of N runs), the figures of bench/RESULTS.md "CLI start-up".

Targets: `partnerhub --help` under 0.3 s, a read command on the demo database under 1 s.
The demo database (300 customers, the default) is built once into bench/out/, named after
the schema (a hash of the migration), so a changed model gets a fresh database instead of
"no such column". The load average is printed: the CPU time of a process grows when other
processes share the cores, so compare runs made at a similar load.

``--only kpis`` runs the cases whose label contains that text; ``--runs`` sets N.
``--cold`` empties the analytics cache's database level (table ``analyticscache``, shared by
every process) before each run, so the figures include computing the analytics; without it
every run after the first finds the result there."""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MIGRATIONS = HERE.parent / "migrations" / "versions"
PARTNERHUB = shutil.which("partnerhub", path=str(Path(sys.executable).parent)) or "partnerhub"

CASES = [
    ("partnerhub --help", ["--help"], 0.3),
    ("partnerhub --version", ["--version"], 0.3),
    ("partnerhub db -h", ["db", "-h"], 0.3),
    ("partnerhub db current", ["db", "current"], 1.0),
    ("partnerhub kpis", ["kpis"], 1.0),
    ("partnerhub customers lookup \"zurich finanz\"", ["customers", "lookup", "zurich finanz"], 1.0),
    ("partnerhub customers list status:expiring_soon", ["customers", "list", "status:expiring_soon"], 1.0),
    ("partnerhub section low --product meetings", ["section", "low", "--product", "meetings"], 1.0),
]


def schema_tag() -> str:
    """Eight hex digits that change whenever a migration file changes."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([PARTNERHUB, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0,):
        raise SystemExit(f"partnerhub {' '.join(args)} failed: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def empty_analytics_cache(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'analyticscache'").fetchone():
            conn.execute("DELETE FROM analyticscache")


def demo_database(env: dict[str, str]) -> Path:
    """The demo database of the current schema, built when missing (older ones are removed)."""
    OUT.mkdir(exist_ok=True)
    db = OUT / f"cli-demo-{schema_tag()}.db"
    if not db.exists():
        for old in OUT.glob("cli-demo*.db"):
            old.unlink()
        subprocess.run([PARTNERHUB, "demo", "--database-url", f"sqlite:///{db}", "--out", str(OUT / "cli-demo"),
                        "--as-of", "2026-11-25"], env={**env, "PARTNERHUB_DATABASE_URL": f"sqlite:///{db}"},
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="Run the cases whose label contains this text.")
    parser.add_argument("--cold", action="store_true", help="Empty the analytics cache table before each run.")
    opts = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERHUB_")}
    db = demo_database(env)
    env.update(PARTNERHUB_DATABASE_URL=f"sqlite:///{db}", PARTNERHUB_AS_OF="2026-11-25")
    load_before = os.getloadavg()[0]
    print(f"{'command':<52}{'median CPU s':>13}{'min':>7}{'max':>7}  target")
    for label, args, target in CASES:
        if opts.only not in label:
            continue
        runs = []
        for _ in range(opts.runs):
            if opts.cold:
                empty_analytics_cache(db)
            runs.append(cpu_seconds(args, env))
        median = statistics.median(runs)
        mark = "ok" if median < target else "MISSED"
        print(f"{label:<52}{median:>13.3f}{min(runs):>7.3f}{max(runs):>7.3f}  < {target} {mark}")
    print("analytics cache:", "emptied before each run (cold)" if opts.cold else "as the runs leave it (warm)")
    print(f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

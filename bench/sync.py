"""``python -m bench.sync``: a Webex sync of a large partner through the local stand-in.

A partner with 2,000 customer organizations (licences with usage, a tag, a partner admin,
numbers and devices each; Calling for half of them) is served by the Webex stand-in of the
tests (tests/fakes/webex.py) over real HTTP, answering 429 with ``Retry-After`` to one
request in ten. The real command, ``partnerhub sync --partner 1``, runs in a child
process with its progress bars: it is killed (SIGKILL) once a share of the requests is
served, then run again, and must resume where it stopped and finish. Every part's status
(``partnerhub sync status --json``), the wall time of each run and the requests of each
are printed as JSON, for bench/RESULTS.md.

    python -m bench.sync                      # 2,000 organizations, kill after 40 %
    python -m bench.sync --orgs 200 --kill-at 0.3
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, create_engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
TOKEN = "bench-sync-token"
RETRY_AFTER = "0.05"  # seconds; real answers say 1 or more (see RESULTS.md)
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]

sys.path.insert(0, str(ROOT))
from tests.fakes.webex import FakeWebex  # noqa: E402  (the stand-in lives with the tests)


@dataclass
class BenchWebex(FakeWebex):
    """The stand-in, answering 429 + Retry-After to every ``every``-th request."""
    every: int = 10

    def __post_init__(self):
        super().__post_init__()
        self.rate_limited = 0
        self._seen = 0

    def _route(self, method, path, query, body, tracking):
        with self._lock:
            self._seen += 1
            limited = self.every and self._seen % self.every == 0
            self.rate_limited += bool(limited)
        if limited:
            return 429, {"message": "Too Many Requests", "errors": [], "trackingId": tracking}, \
                {"Retry-After": RETRY_AFTER}
        return super()._route(method, path, query, body, tracking)


def webex_id(n: int) -> str:
    uuid = f"{n:08x}-0000-4000-8000-{n:012x}"
    return base64.b64encode(f"ciscospark://us/ORGANIZATION/{uuid}".encode()).decode().rstrip("=")


def fill(wx: BenchWebex, orgs: int) -> None:
    for n in range(1, orgs + 1):
        org = webex_id(n)
        wx.add_org(org, f"Customer {n:05d}")
        lic = [{"id": f"M{n}", "name": "Meeting - Webex Enterprise", "totalUnits": 20 + n % 30,
                "consumedUnits": 10 + n % 20, "subscriptionId": f"SUB-M-{n}"}]
        if n % 2 == 0:  # half of them have Webex Calling
            lic.append({"id": f"C{n}", "name": "Webex Calling - Professional", "totalUnits": 10 + n % 15,
                        "consumedUnits": 5 + n % 10, "subscriptionId": f"SUB-C-{n}"})
            wx.numbers[org] = [
                {"phoneNumber": f"+1555{n:06d}{k}", "extension": f"{1000 + k}", "state": "ACTIVE",
                 "phoneNumberType": "PRIMARY", "location": {"id": f"LOC-{n}", "name": "HQ"},
                 "owner": {"id": f"U{n}-{k}", "type": "PEOPLE"}} for k in range(3)]
        wx.licenses[org] = lic
        for item in lic:
            wx.usage[item["id"]] = (item["consumedUnits"] // 2, item["consumedUnits"] - 1)
        wx.org_tags[org] = [{"name": "gold" if n % 3 else "silver", "description": ""}]
        wx.admins[org] = [{"id": "P1", "displayName": "Ana Lima", "emails": ["ana@partner.example"],
                           "roleInCustomerOrg": "id_full_admin"}]
        wx.devices[org] = [{"id": f"D{n}-{k}", "product": "Cisco 8845", "mac": f"AABB{n:06X}{k:02X}",
                            "software": "sip88xx.14-2", "personId": f"U{n}-{k}", "locationId": f"LOC-{n}"}
                           for k in range(2)]


def prepare_db(path: Path, env: dict) -> None:
    path.unlink(missing_ok=True)
    subprocess.run(CLI + ["db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    from partnerhub_core.models import Partner

    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as s:
        s.add(Partner(id=1, name="Bench Partner", webex_org_id=webex_id(0), default_region="US"))
        s.commit()
    engine.dispose()


def run_sync(env: dict, wx: BenchWebex, kill_after: int | None) -> dict:
    """One ``partnerhub sync``; killed with SIGKILL once ``kill_after`` requests were served."""
    before, started = len(wx.requests), time.monotonic()
    # Files, not pipes: a full pipe would stall the child on its progress output.
    out_f, err_f = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    child = subprocess.Popen(CLI + ["sync", "--partner", "1"], env=env, cwd=ROOT, stdout=out_f, stderr=err_f,
                             text=True)
    killed = False
    if kill_after is not None:
        while child.poll() is None and len(wx.requests) - before < kill_after:
            time.sleep(0.05)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed = True
    child.wait()
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
    return {"wall_s": round(time.monotonic() - started, 1), "requests": len(wx.requests) - before,
            "exit": child.returncode, "killed": killed, "table": out.strip().splitlines(),
            "progress": [line for line in err.splitlines() if "━" in line][-16:]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, default=2000)
    ap.add_argument("--kill-at", type=float, default=0.4, help="share of the first run's requests, then SIGKILL")
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "sync-bench.db"
    with BenchWebex(token=TOKEN, page_size=100) as wx:
        fill(wx, args.orgs)
        env = {**os.environ, "PARTNERHUB_DATABASE_URL": f"sqlite:///{db}", "PARTNERHUB_WEBEX_API_URL": wx.url,
               "PARTNERHUB_WEBEX_CDR_URL": wx.cdr_url("us"), "PARTNERHUB_WEBEX_TOKEN": TOKEN,
               "PARTNERHUB_WEBEX_CONCURRENCY": str(args.concurrency), "PARTNERHUB_WEBEX_BACKOFF_S": "0.05",
               "PARTNERHUB_WEBEX_RETRY_AFTER_CAP_S": "1", "PARTNERHUB_WEBEX_CDR_INITIAL_HOURS": "12",
               "PARTNERHUB_WEBEX_SYNC_MAX_FAILURES": "50", "PARTNERHUB_LOG_LEVEL": "ERROR",
               "COLUMNS": "100"}
        env.pop("PARTNERHUB_AS_OF", None)
        prepare_db(db, env)
        # About 12 requests per organization for a full sync: kill within the first run.
        kill_after = int(args.orgs * 12 * args.kill_at)
        first = run_sync(env, wx, kill_after)
        second = run_sync(env, wx, None)
        status = subprocess.run(CLI + ["sync", "status", "--partner", "1", "--json"], env=env, cwd=ROOT,
                                capture_output=True, text=True)
        result = {"organizations": args.orgs, "rate_limited_every": wx.every, "retry_after_s": float(RETRY_AFTER),
                  "concurrency": args.concurrency, "first_run": first, "second_run": second,
                  "total_requests": len(wx.requests), "answered_429": wx.rate_limited,
                  "total_wall_s": round(first["wall_s"] + second["wall_s"], 1),
                  "status": json.loads(status.stdout) if status.returncode == 0 else status.stderr}
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    threading.current_thread().name = "bench-sync"
    main()

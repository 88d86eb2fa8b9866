"""Signed acks while unsigned 30 MB POSTs are in flight: ``python -m bench.flood``.

``partnerhub serve`` runs as a child process (as the Procfile runs it) on a fresh,
migrated SQLite file; the Slack stand-in runs in a process of its own (bench/ack.py).
Three flooder threads each send one 30 MB POST after another, as fast as the server
takes the bytes, in one of three forms:

- ``unsigned``: no signature headers, ``Content-Length: 30 MB`` (refused at the headers);
- ``forged``: fresh timestamp and a well-formed wrong signature, ``Content-Length: 30 MB``
  (refused by the declared length);
- ``chunked``: the same forged headers, ``Transfer-Encoding: chunked`` with no length
  (read up to the 1 MiB limit, then refused).

Meanwhile one client sends ``ACKS`` signed ``/partnerhub help`` commands, one after
another, and times each to its HTTP 200. The target: every ack under 1 s (Slack's limit
is 3 s). Prints one JSON line per form.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bench.ack import SECRET, SlackProcess, _free_port, _wait_ready, end_process

ACKS = 100
FLOODERS = 3
BODY_MB = 30
BLOCK = b"x" * (1024 * 1024)


def _flood(port: int, form: str, stop: threading.Event, sent: list[int]) -> None:
    while not stop.is_set():
        ts = str(int(time.time()))
        head = ["POST /slack/events HTTP/1.1", "Host: bench", "Content-Type: application/json"]
        if form != "unsigned":
            head += [f"X-Slack-Request-Timestamp: {ts}", "X-Slack-Signature: v0=" + "1" * 64]
        head.append("Transfer-Encoding: chunked" if form == "chunked" else f"Content-Length: {BODY_MB * len(BLOCK)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
                for _ in range(BODY_MB):
                    if stop.is_set():
                        break
                    sock.sendall(b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK) if form == "chunked" else BLOCK)
                    sent.append(len(BLOCK))
        except OSError:
            pass  # refused and closed by the server: start the next one


def _acks(base: str, fake: SlackProcess, n: int) -> list[float]:
    verifier = SignatureVerifier(SECRET)
    latencies = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(n):
            key = f"flood-{uuid.uuid4().hex[:8]}"
            body = urlencode({"team_id": "TBENCH", "user_id": "UB00000", "channel_id": "CBENCH",
                              "command": "/partnerhub", "text": "help", "response_url": fake.response_url(key),
                              "trigger_id": f"trigger-{key}"})
            ts = str(int(time.time()))
            headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                       "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body)}
            started = time.perf_counter()
            response = http.post("/slack/events", content=body.encode(), headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"signed ack was HTTP {response.status_code}")
            time.sleep(0.02)
    return latencies


def run(forms=("none", "unsigned", "forged", "chunked")) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, SlackProcess() as fake:
        url = f"sqlite:///{tmp}/flood.db"
        from partnerhub_core import migrate

        migrate.upgrade(url)
        port = _free_port()
        env = dict(os.environ, PARTNERHUB_DATABASE_URL=url, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_BOT_TOKEN="xoxb-bench", PARTNERHUB_SLACK_API_URL=fake.base_url,
                   PARTNERHUB_LOG_LEVEL="ERROR")
        for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PARTNERHUB_ENVIRONMENT"):
            env.pop(name, None)
        proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "partnerhub"), "serve",
                                 "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, proc)
            _acks(base, fake, 10)  # warm-up: bolt's first auth.test, the first users.info
            for form in forms:
                stop, sent = threading.Event(), []
                flooders = [threading.Thread(target=_flood, args=(port, form, stop, sent), daemon=True)
                            for _ in range(FLOODERS if form != "none" else 0)]
                for t in flooders:
                    t.start()
                time.sleep(0.5)
                try:
                    latencies = sorted(_acks(base, fake, ACKS))
                finally:
                    stop.set()
                    for t in flooders:
                        t.join(10)
                results.append({"flood": form, "flooders": len(flooders), "acks": len(latencies),
                                "ack_p50_ms": round(statistics.median(latencies), 1),
                                "ack_p99_ms": round(statistics.quantiles(latencies, n=100)[98], 1),
                                "ack_max_ms": round(latencies[-1], 1),
                                "flood_mb_accepted_by_socket": round(sum(sent) / 2**20)})
        finally:
            end_process(proc)
    return results


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line))

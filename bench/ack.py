"""Slash-command ack latency through real signed HTTP.

``partnerhub serve`` runs as a child process on the large partner's database; its Slack
Web API calls and response_url posts go to the local Slack stand-in. 20 concurrent
clients send 1,000 signed ``/partnerhub customer …`` commands; the figure is the time to
Slack's HTTP 200 (the ack), not to the answer, which arrives later at the stand-in.
"""
from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

REQUESTS = 1000
CONCURRENCY = 20
SINGLE = 50
SECRET = "bench-signing-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ack(url: str, as_of: date) -> dict:
    from tests.fakes.slack import FakeSlack

    with FakeSlack(team_id="TBENCH") as fake:
        port = _free_port()
        env = dict(os.environ, PARTNERHUB_DATABASE_URL=url, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_BOT_TOKEN="xoxb-bench", PARTNERHUB_SLACK_API_URL=fake.base_url,
                   PARTNERHUB_AS_OF=as_of.isoformat(), PARTNERHUB_LOG_LEVEL="WARNING")
        env.pop("SLACK_CLIENT_ID", None)
        proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "partnerhub"), "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, proc)
            latencies = asyncio.run(_load(base, fake))
            answered = _answers(fake, timeout=120)
            # The same commands one at a time, answers drained between: the ack's own cost,
            # without queueing behind 19 other clients and the answers' work.
            single = []
            for i in range(SINGLE):
                single.extend(asyncio.run(_load(base, fake, requests=1, concurrency=1, offset=REQUESTS + i)))
                _answers(fake, timeout=30, expected=REQUESTS + i + 1)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "concurrency": CONCURRENCY,
            "ack_p50_ms": round(q[49], 1), "ack_p99_ms": round(q[98], 1), "ack_max_ms": round(latencies[-1], 1),
            "answers_received": answered,
            "ack_alone_p50_ms": round(statistics.median(single), 1), "ack_alone_max_ms": round(max(single), 1)}


def _wait_ready(base: str, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("partnerhub serve exited: " + proc.stderr.read().decode()[-500:])
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("partnerhub serve did not become healthy")


async def _load(base: str, fake, requests: int = REQUESTS, concurrency: int = CONCURRENCY,
                offset: int = 0) -> list[float]:
    verifier = SignatureVerifier(SECRET)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(offset, offset + requests):
        queue.put_nowait(i)
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                key = f"ack-{i}-{uuid.uuid4().hex[:6]}"
                body = urlencode({
                    "token": "x", "team_id": "TBENCH", "team_domain": "bench", "channel_id": "CBENCH",
                    "channel_name": "bench", "user_id": "UB00000", "user_name": "bench",
                    "command": "/partnerhub", "text": f"customer org-{(i * 37) % 2000:06d}",
                    "api_app_id": "ABENCH", "is_enterprise_install": "false",
                    "response_url": fake.response_url(key), "trigger_id": f"trigger-{key}",
                })
                ts = str(int(time.time()))
                headers = {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body)}
                t = time.perf_counter()
                resp = await http.post("/slack/events", content=body.encode(), headers=headers)
                latencies.append((time.perf_counter() - t) * 1000)
                if resp.status_code != 200:
                    raise RuntimeError(f"ack was HTTP {resp.status_code}: {resp.text[:200]}")

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies


def _answers(fake, timeout: float, expected: int = REQUESTS) -> int:
    """How many commands were answered through their response_url (work after the ack)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = len(fake.responses())
        if n >= expected:
            return n
        time.sleep(0.02)
    return len(fake.responses())

"""The project installs anywhere: the wheel holds the code, templates/ and migrations/,
and a venv with only the wheel (no source tree on the path) migrates a database,
builds the demo and serves /readyz.

The venv reuses the dependencies already installed here (a .pth line to this venv's
site-packages) so the test costs a wheel build and three commands, not a download of
pandas; the project itself comes only from the wheel, which the test checks."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SKIP = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", "build", "dist", "*.db", "*.db-*",
                              "demo-output", ".pytest_cache", ".hypothesis", "bench")


def test_every_package_of_the_tree_is_listed_in_pyproject():
    from setuptools import find_packages

    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(ROOT), include=["bot*", "partnerhub_core*"]))
    mapped = set(PYPROJECT["tool"]["setuptools"]["package-dir"])
    assert found - listed == set(), "add the new package(s) to [tool.setuptools] packages in pyproject.toml"
    assert listed - found - mapped - {"partnerhub_core.migrations.versions"} == set()


def test_the_package_data_patterns_cover_the_shipped_folders():
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    assert "*.j2" in data["partnerhub_core.templates"]
    suffixes = {p.suffix for p in (ROOT / "templates").iterdir() if p.is_file()}
    assert suffixes <= {".j2"}, f"templates/ holds files the wheel leaves out: {suffixes}"
    assert {p.suffix for p in (ROOT / "migrations").iterdir() if p.is_file()} <= {".py", ".mako"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv holding the wheel built from a copy of this tree."""
    tmp = tmp_path_factory.mktemp("wheel")
    src, dist, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(ROOT, src, ignore=SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(src)],
                   check=True, capture_output=True, text=True, timeout=600)
    wheel = next(dist.glob("partnerhub-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Dependencies from this venv, after the wheel's own site-packages on the path.
    (site / "_partnerhub_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--force-reinstall", str(wheel)], check=True, capture_output=True, text=True,
                   timeout=300)
    shutil.rmtree(src)  # no source tree anywhere once installed
    run = tmp / "run"
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERHUB_", "SLACK_")) and k != "PYTHONPATH"}
    env["DATABASE_URL"] = f"sqlite:///{run / 'hub.db'}"  # the platform's variable
    return venv, run, env


def _cli(installed, *args, timeout=300):
    venv, run, env = installed
    return subprocess.run([str(venv / "bin" / "partnerhub"), *args], cwd=run, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_wheel_ships_the_code_templates_and_migrations(installed):
    venv, run, env = installed
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import bot.render, partnerhub_core, partnerhub_core.paths as p; "
         "print(partnerhub_core.__file__); print(p.TEMPLATES_DIR); print(p.MIGRATIONS_DIR)"],
        cwd=run, env=env, capture_output=True, text=True, check=True)
    code, templates, migrations = probe.stdout.split()
    assert str(venv) in code and str(ROOT) not in code
    assert Path(templates).is_dir() and str(venv) in templates and any(Path(templates).glob("*.json.j2"))
    assert (Path(migrations) / "env.py").exists() and any((Path(migrations) / "versions").glob("*.py"))


def test_the_wheel_migrates_builds_the_demo_and_serves(installed):
    venv, run, env = installed
    upgraded = _cli(installed, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "hub.db at " in upgraded.stdout
    assert _cli(installed, "db", "current").returncode == 0

    demo_db = f"sqlite:///{run / 'demo.db'}"
    demo = _cli(installed, "demo", "--customers", "12", "--database-url", demo_db, "--out", str(run / "out"))
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "São Paulo Logística" in demo.stdout and any((run / "out").glob("*.csv"))

    port = _free_port()
    serve_env = {**env, "SLACK_BOT_TOKEN": "xoxb-wheel-test", "SLACK_SIGNING_SECRET": "wheel-test",
                 "PARTNERHUB_SLACK_API_URL": "http://127.0.0.1:9/api/", "PARTNERHUB_ANSWER_PROCESSES": "0"}
    proc = subprocess.Popen([str(venv / "bin" / "partnerhub"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=run, env=serve_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError("serve did not start: " + proc.communicate()[1][-2000:]) from None
                time.sleep(0.2)
        assert ready.status_code == 200, ready.text
        assert ready.json()["ok"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

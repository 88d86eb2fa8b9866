"""The README's shell blocks work exactly as printed on a fresh checkout: `make demo`,
then activating the environment and the read commands, with no database configured.

The commands run through bash in an empty folder holding a copy of the Makefile and a
`.venv` whose `bin` is this venv's (stamps up to date, so make installs nothing).
`DEMO_ARGS=--customers 12` keeps the demo small; its first twelve customers are the
hand-picked ones the README's commands name."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Blocks for developers changing the catalogs, and `make test` (this suite itself).
NOT_RUN = ("make test", "make i18n-update", "make i18n-check")


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)


def commands() -> list[str]:
    lines = []
    for block in shell_blocks():
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def test_the_readme_has_the_front_door_commands():
    assert commands()[:2] == ["make demo", "make test"]
    assert ". .venv/bin/activate" in commands()


def test_the_readme_is_a_front_door_to_the_docs_and_the_rules_live_in_docs_rules_md():
    for doc in ("cli.md", "slack-commands.md", "rules.md", "deploy.md", "troubleshooting.md", "webex-sources.md",
                "operating.md"):
        assert f"](docs/{doc}" in README, doc
        assert (ROOT / "docs" / doc).exists(), doc
    assert len(README.splitlines()) < 150
    rules = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for heading in ("## Customer statuses", "## Subscription analytics", "## Calling", "## Reports",
                    "## Where figures come from", "## Digests and alerts"):
        assert f"\n{heading}" in rules, heading
    # The rules themselves: low assignment, queue calls from the CDR, statuses, rounding.
    assert "PARTNERHUB_LOW_ASSIGNMENT_PERCENTILE" in rules and "CallCenterStandard" in rules
    assert "| `expiring_soon` |" in rules and "(ROUNDING.md)" in rules
    for rule in ("PARTNERHUB_LOW_ASSIGNMENT_PERCENTILE", "CallCenterStandard", "| `expiring_soon` |"):
        assert rule not in README
    assert "../shared" not in README


@pytest.fixture
def fresh_folder(tmp_path):
    for name in ("Makefile", "pyproject.toml", "requirements.txt", "requirements-dev.txt"):
        shutil.copy2(ROOT / name, tmp_path / name)
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.executable).parent)
    for stamp in (".installed", ".installed-runtime"):
        (venv / stamp).touch()
    return tmp_path


def test_every_readme_command_runs_as_printed(fresh_folder):
    script = ["set -e"]
    for command in commands():
        if command.startswith(NOT_RUN):
            continue
        script.append(f"echo '>>> {command}'")
        script.append(command)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PARTNERHUB_", "SLACK_")) and k not in ("DATABASE_URL", "VIRTUAL_ENV")}
    env.update(DEMO_ARGS="--customers 12", PATH="/usr/local/bin:/usr/bin:/bin")  # no partnerhub on the PATH
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=fresh_folder, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert ">>> partnerhub customers lookup \"zurich finanz\"" in out and "Zürich Finanz" in out
    assert "Next: activate the environment" in out  # what `make demo` tells the user to do
    assert (fresh_folder / "partnerhub-demo.db").exists() and not (fresh_folder / "partnerhub.db").exists()


def test_no_doc_or_source_sends_readers_outside_the_repository():
    """`../shared/…` is not in the repository: docs and code comments point at docs/ instead."""
    paths = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.md")]
    for package in ("bot", "partnerhub_core", "tests", "bench", "templates", "scripts"):
        paths += [p for p in (ROOT / package).rglob("*") if p.suffix in {".py", ".j2", ".md", ".sh"}]
    here = Path(__file__).resolve()
    found = [str(p.relative_to(ROOT)) for p in paths
             if p.resolve() != here and "../shared" in p.read_text(encoding="utf-8")]
    assert not found

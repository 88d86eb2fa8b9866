"""The core boundary is a test: nothing under partnerhub_core/ speaks Slack."""
import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "partnerhub_core"
FORBIDDEN = ("slack_bolt", "slack_sdk", "bot")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_core_imports_nothing_of_slack_or_the_bot():
    offenders = [
        f"{p.relative_to(CORE.parent)}: {name}"
        for p in CORE.rglob("*.py")
        for name in _imports(p)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_core_reads_no_wall_clock_below_the_entry_points():
    # settings.today() and models.utcnow() are the two sanctioned entry points.
    allowed = {"settings.py", "models.py"}
    offenders = []
    for p in CORE.rglob("*.py"):
        if p.name in allowed:
            continue
        src = p.read_text(encoding="utf-8")
        for needle in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
            if needle in src:
                offenders.append(f"{p.relative_to(CORE.parent)}: {needle}")
    assert offenders == []

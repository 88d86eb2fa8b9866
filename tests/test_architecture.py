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
    allowed = {"settings.py", "models/base.py"}
    offenders = []
    for p in CORE.rglob("*.py"):
        if p.relative_to(CORE).as_posix() in allowed:
            continue
        src = p.read_text(encoding="utf-8")
        for needle in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
            if needle in src:
                offenders.append(f"{p.relative_to(CORE.parent)}: {needle}")
    assert offenders == []


BOT = CORE.parent / "bot"


def _bot_graph() -> dict[str, set[str]]:
    """Which bot module imports which, counting late imports inside functions too."""
    modules = {".".join(p.relative_to(CORE.parent).with_suffix("").parts): p for p in BOT.rglob("*.py")}
    modules = {name.removesuffix(".__init__"): p for name, p in modules.items()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)  # from bot import errors
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return False


def test_the_answer_runtime_does_not_import_its_callers():
    # bot/answers.py runs bot/context.py's `answer`, which uses bot/errors.py: each may
    # import the next, never back (not even late, inside a function).
    graph = _bot_graph()
    assert "bot.context" in graph["bot.answers"] and "bot.errors" in graph["bot.context"]
    for module in ("bot.answers", "bot.context", "bot.errors"):
        back = [other for other in graph[module] if _reaches(graph, other, module)]
        assert back == [], f"{module} is imported back by {back}"

"""Thin handlers (DESIGN): no SQL in bot/. The queries live in partnerhub_core; a handler
parses, makes one core call and renders. This fails when a module under bot/ imports a
query construct of SQLAlchemy or SQLModel, or runs a statement itself (``.exec(``,
``.execute(``).

What bot/ may import, and why:
- ``sqlalchemy.engine.Engine`` and ``sqlmodel.Session``: type hints, and opening the one
  session (the transaction) a handler or a CLI command runs the core's calls in;
- ``sqlalchemy.exc.DBAPIError``: the CLI turns a database that cannot be reached into a
  one-line message (bot/cli/db.py, bot/cli/demo.py).
Nothing else: no ``select``, ``update``, ``delete``, ``insert``, ``func``, ``text``,
``or_``, ``inspect``, ``create_engine`` (the core's ``db.make_engine`` makes engines).
"""
from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
ALLOWED = {
    "sqlalchemy.engine": {"Engine"},
    "sqlmodel": {"Session"},
    "sqlalchemy.exc": {"DBAPIError"},
}
RUNS_STATEMENTS = {"exec", "execute", "scalars", "scalar"}


def _offences(path: Path, root: Path = BOT.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in ("sqlalchemy", "sqlmodel")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("sqlalchemy",
                                                                                               "sqlmodel"):
            allowed = ALLOWED.get(node.module, set())
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name not in allowed]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in RUNS_STATEMENTS):
            found.append(f".{node.func.attr}( at line {node.lineno}")
    return [f"{path.relative_to(root)}: {what}" for what in found]


def test_bot_holds_no_sql():
    offenders = [o for path in sorted(BOT.rglob("*.py")) for o in _offences(path)]
    assert offenders == [], "move these into partnerhub_core (a function with a clear name):\n" + "\n".join(offenders)


def test_the_check_sees_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlmodel import Session, select\nimport sqlalchemy as sa\n"
                      "def f(s: Session):\n    return s.exec(select(1)).all()\n", encoding="utf-8")
    assert _offences(sample, tmp_path) == ["sample.py: from sqlmodel import select", "sample.py: import sqlalchemy",
                                           "sample.py: .exec( at line 4"]

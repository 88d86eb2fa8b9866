"""Find human text in templates that does not go through gettext.

Every word a person reads in a Slack message, modal or Home tab must come from
``{{ _("…") }}`` or a ``{% trans %}`` block, or it stays English for everyone. Reading the
template's syntax tree (not its rendered output, which needs data) catches:

* literal text in the JSON skeleton under a key Slack shows to people
  (``"text": "Customers"``, ``"placeholder": "Pick one"``, ...);
* in ``.j2`` files that are not JSON (plain-text fallbacks), any literal words;
* string constants that go straight to the output or into a ``{% set %}``, directly or
  through filters and ``~`` (``{{ "Page " ~ n }}``, ``{{ "Open"|tojson }}``);
* dictionaries built in Jinja with a literal under such a key
  (``{% set b = {"type": "plain_text", "text": "Close"} %}``);
* literal words passed to macros (``{{ button("Open", ids.OPEN) }}``).

Identifiers (``"plain_text"``, ``"primary"``, ``"customer_open"``), emoji codes, URLs,
slash commands, Slack mentions and punctuation are not text. Brand names are words like any other:
write ``_("Webex Calling")`` (the catalogs keep it as is).
"""
from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError, nodes

GETTEXT_NAMES = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
# Block Kit / attachment keys whose string values people read.
HUMAN_KEYS = frozenset({
    "text", "title", "placeholder", "alt_text", "label", "hint", "fallback", "pretext",
    "footer", "description", "confirm", "deny", "submit", "close", "header",
})
HOLE = "\x00"  # an expression or a tag in the linear text of a template

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*$')
_NOT_TEXT = re.compile(
    r"<[^<>]*>"  # Slack mentions and links: <@U123>, <https://…|…>
    r"|https?://\S+"
    r"|:[a-z0-9_+\-]+:"  # emoji codes
    r"|(?<!\w)/[a-z][a-z0-9_\-]*"  # slash commands: /partnerhub
    r"|\\[nt\"\\/]"  # JSON escapes
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_IDENTIFIER = re.compile(r"[a-z0-9_.:/#\-]*")


def _env() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"])


def _has_words(text: str) -> bool:
    return bool(_WORD.search(_NOT_TEXT.sub(" ", text.replace(HOLE, " "))))


def _looks_human(text: str) -> bool:
    """For string constants in expressions: words for people, not ids or formats."""
    stripped = _NOT_TEXT.sub(" ", text).strip()
    if not _WORD.search(stripped):
        return False
    # A word with a space beside it is being joined into a sentence: {{ n ~ " customers" }}.
    if re.search(r"\s[^\W\d_]{2,}|[^\W\d_]{2,}\s", _NOT_TEXT.sub("", text)):
        return True
    if _IDENTIFIER.fullmatch(stripped):
        return False
    two_words = re.search(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", stripped)
    capitalised = re.search(r"(?<![\w.])[^\W\d_a-z][a-z]{2,}", stripped)
    return bool(two_words or capitalised or re.search(r"[^\W\d_]{2,}[.!?]$", stripped))


class _Checker:
    def __init__(self, name: str, is_json: bool):
        self.name = name
        self.is_json = is_json
        self.linear: list[str] = []
        self.found: list[str] = []

    def report(self, lineno: int | None, what: str) -> None:
        self.found.append(f"{self.name}:{lineno or '?'}: {what}")

    # --- statements: build the linear text, check expressions that reach the output
    def stmt(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    self.linear.append(child.data)
                    if not self.is_json and _has_words(child.data):
                        self.report(child.lineno, f"literal text {child.data.strip()[:60]!r}")
                else:
                    self.expr(child, output=True)
                    self.linear.append(HOLE)
            return
        if isinstance(node, nodes.Assign):
            self.expr(node.node, output=True)
            return
        if isinstance(node, nodes.AssignBlock):
            # {% set x %}…{% endset %} holds text for later output: no literal words.
            inner = _Checker(self.name, is_json=False)
            for child in node.body:
                inner.stmt(child)
            self.found.extend(inner.found)
            return
        self.linear.append(HOLE)
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Stmt):
                self.stmt(child)
            elif isinstance(child, nodes.Expr):
                self.expr(child, output=False)
        self.linear.append(HOLE)

    def expr(self, node: nodes.Expr, *, output: bool) -> None:
        if isinstance(node, nodes.Call):
            callee = node.node
            if isinstance(callee, nodes.Name) and callee.name in GETTEXT_NAMES:
                return  # translated (the i18n extension turns {% trans %} into this too)
            if isinstance(callee, nodes.Name):
                # A macro or a global helper: a literal word argument is text for people.
                for arg in list(node.args) + [kw.value for kw in node.kwargs]:
                    if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and _looks_human(arg.value):
                        self.report(arg.lineno, f"literal text {arg.value!r} passed to {callee.name}()")
                    else:
                        self.expr(arg, output=False)
            return
        if isinstance(node, nodes.Const):
            if output and isinstance(node.value, str) and _looks_human(node.value):
                self.report(node.lineno, f"literal text {node.value!r} outside _()")
            return
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                key = pair.key.value if isinstance(pair.key, nodes.Const) else None
                value = pair.value
                if (key in HUMAN_KEYS and isinstance(value, nodes.Const) and isinstance(value.value, str)
                        and _has_words(value.value)):
                    self.report(value.lineno, f"literal text {value.value!r} under {key!r}")
                else:
                    self.expr(value, output=key in HUMAN_KEYS)
            return
        if isinstance(node, (nodes.List, nodes.Tuple)):
            for item in node.items:
                self.expr(item, output=False)
            return
        if isinstance(node, nodes.Concat):
            for item in node.nodes:
                self.expr(item, output=output)
            return
        if isinstance(node, nodes.Filter):
            if node.node is not None:
                self.expr(node.node, output=output)
            return
        if isinstance(node, nodes.CondExpr):
            self.expr(node.expr1, output=output)
            if node.expr2 is not None:
                self.expr(node.expr2, output=output)
            return
        if isinstance(node, nodes.Add):
            self.expr(node.left, output=output)
            self.expr(node.right, output=output)
            return
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self.expr(child, output=False)

    def json_literals(self) -> None:
        text = "".join(self.linear)
        for match in _STRING.finditer(text):
            after = text[match.end():match.end() + 40].lstrip()
            if after.startswith(":"):
                continue  # a key
            key = _KEY_BEFORE.search(text[max(0, match.start() - 80):match.start()])
            if key and key.group(1) in HUMAN_KEYS and _has_words(match.group(1)):
                line = text.count("\n", 0, match.start()) + 1
                shown = match.group(1).replace(HOLE, "{{…}}")[:60]
                self.found.append(f"{self.name}:~{line}: literal text {shown!r} under {key.group(1)!r}")


def check_source(source: str, name: str = "<template>") -> list[str]:
    """Problems in one template's source (``name`` decides JSON or plain text)."""
    try:
        tree = _env().parse(source)
    except TemplateSyntaxError as exc:
        return [f"{name}:{exc.lineno}: cannot parse: {exc.message}"]
    checker = _Checker(name, is_json=".json" in name)
    for node in tree.body:
        checker.stmt(node)
    if checker.is_json:
        checker.json_literals()
    return checker.found


def template_literals(templates_dir: Path) -> list[str]:
    """Problems in every ``*.j2`` under ``templates_dir``."""
    out: list[str] = []
    if not templates_dir.exists():
        return out
    for path in sorted(templates_dir.rglob("*.j2")):
        rel = path.relative_to(templates_dir.parent).as_posix()
        out.extend(check_source(path.read_text(encoding="utf-8"), rel))
    return out


_CLIPPED = re.compile(
    r"""_\(\s*(["'])((?:(?!\1)[^\\]|\\.)*)\1\s*\)"""  # _("…") or _('…')
    r"""(?:\s*\|\s*(?!clip\b)\w+(?:\([^()]*\))?)*"""  # other filters first: |esc, |string
    r"""\s*\|\s*clip\(\s*(\d+)\s*\)"""
)


def clipped_msgids(templates_dir: Path) -> list[tuple[str, int, str]]:
    """``(msgid, limit, template)`` for every ``_("…")|clip(n)``: Slack's limit on that text
    (a modal title: 24). A translation longer than that would be cut with an ellipsis."""
    out: list[tuple[str, int, str]] = []
    if not templates_dir.exists():
        return out
    for path in sorted(templates_dir.rglob("*.j2")):
        for match in _CLIPPED.finditer(path.read_text(encoding="utf-8")):
            msgid = match.group(2).encode().decode("unicode_escape") if "\\" in match.group(2) else match.group(2)
            out.append((msgid, int(match.group(3)), path.name))
    return out

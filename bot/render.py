"""Block Kit from templates: the one way the bot builds a message, a modal or a Home view.

``render("customer_card.json.j2", locale="pt_BR", card=card)`` renders
``templates/customer_card.json.j2`` with Jinja2 and the i18n extension (``_()`` speaks
the user's language), parses the JSON and checks Slack's Block Kit limits
(Slack's documented limits, the ``MAX_*`` constants below): a violation raises ``BlockKitError`` here, in tests,
instead of ``invalid_blocks`` from Slack in front of a partner.

In templates every dynamic value goes through ``tojson``. Filters:
``esc`` (escape ``& < >`` for mrkdwn, so a customer named ``<!channel>`` pings nobody),
``clip(n)`` (shorten with an ellipsis), ``num`` / ``pct`` / ``day`` (locale formatting).
Globals: ``ActionId``, ``BlockId``, ``CallbackId``, ``locale``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.ids import ActionId, BlockId, CallbackId
from partnerhub_core import i18n, unknown
from partnerhub_core.i18n import glossary
from partnerhub_core.paths import TEMPLATES_DIR  # the checkout's templates/, or the installed copy


# Slack's limits (SLACK_NOTES.md "Block Kit limits", plus the element limits of the
# Block Kit reference that the notes do not repeat).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255
MAX_LABEL = 2000
MAX_MESSAGE_TEXT = 40000


class BlockKitError(ValueError):
    """A rendered template breaks a Block Kit limit or is not valid JSON."""


def _json_default(value: Any):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value):
        return asdict(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot put {type(value).__name__} into a template")


def tojson(value: Any) -> str:
    # Plain json.dumps: the output is JSON, not HTML, so no HTML-safe escaping is needed.
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def escape_mrkdwn(value: Any) -> str:
    """Slack's three control characters, escaped as Slack asks (``&amp; &lt; &gt;``)."""
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


@lru_cache(maxsize=8)
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        extensions=["jinja2.ext.i18n"],
        autoescape=False,
        undefined=StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)
    env.policies["json.dumps_function"] = json.dumps
    env.filters.update(
        tojson=tojson,
        esc=escape_mrkdwn,
        clip=clip,
        num=lambda v, digits=None: i18n.format_number(v, locale, digits),
        pct=lambda v, digits=1: i18n.format_percent(v, locale, digits),
        day=lambda v: i18n.format_date(v, locale),
        region=lambda code: glossary.region_label(code, locale),  # "UAE" -> "Emirados Árabes Unidos"
    )
    env.globals.update(ActionId=ActionId, BlockId=BlockId, CallbackId=CallbackId, locale=locale)
    # Unknown figures (partnerhub_core/unknown.py): the same words as the CLI and CSVs.
    gettext = i18n.translations(locale).gettext
    env.globals.update(
        source_notes=lambda notes: unknown.note_lines(notes, gettext, locale),
        source_footnote=lambda state: unknown.footnote(state, gettext, locale),
        source_label=lambda family: gettext(unknown.LABELS[unknown.SourceFamily(family)]),
    )
    return env


def render(name: str, *, locale: str | None = "en", **values: Any) -> dict:
    """Render ``templates/<name>`` into a Block Kit payload (message, modal or home view)."""
    loc = i18n.normalize_locale(locale)
    text = environment(loc).get_template(name).render(**values)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        line = text.splitlines()[exc.lineno - 1] if exc.lineno <= len(text.splitlines()) else ""
        raise BlockKitError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno}: {line.strip()[:120]})") from exc
    check_limits(payload, where=name)
    return payload


# ---------------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------------
def check_limits(payload: dict, *, where: str = "payload") -> None:
    """Raise ``BlockKitError`` listing every Block Kit limit the payload breaks."""
    problems: list[str] = []
    if not isinstance(payload, dict):
        raise BlockKitError(f"{where}: a payload is a JSON object")
    kind = payload.get("type")
    blocks = payload.get("blocks", [])
    if not isinstance(blocks, list):
        problems.append("blocks must be a list")
        blocks = []
    if kind in ("modal", "home"):
        _max(problems, "blocks", len(blocks), MAX_VIEW_BLOCKS)
        if kind == "modal":
            _text_obj(problems, "title", payload.get("title"), MAX_VIEW_TITLE, required=True, plain=True)
            for key in ("submit", "close"):
                if key in payload:
                    _text_obj(problems, key, payload[key], MAX_VIEW_TITLE, plain=True)
        _max(problems, "private_metadata", len(payload.get("private_metadata") or ""), MAX_PRIVATE_METADATA)
        _max(problems, "callback_id", len(payload.get("callback_id") or ""), MAX_ID)
    else:
        _max(problems, "blocks", len(blocks), MAX_MESSAGE_BLOCKS)
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append("a message needs a non-empty 'text' (the notification fallback)")
        else:
            _max(problems, "text", len(text), MAX_MESSAGE_TEXT)
    for i, block in enumerate(blocks):
        _block(problems, f"blocks[{i}]", block)
    if problems:
        raise BlockKitError(f"{where}: " + "; ".join(problems))


def _max(problems: list[str], path: str, size: int, limit: int) -> None:
    if size > limit:
        problems.append(f"{path} is {size} long, the limit is {limit}")


def _text_obj(problems, path, obj, limit, *, required=False, plain=False) -> None:
    if obj is None:
        if required:
            problems.append(f"{path} is missing")
        return
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{path} must be a plain_text or mrkdwn text object")
        return
    if plain and obj["type"] != "plain_text":
        problems.append(f"{path} must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{path}.text is empty")
        return
    _max(problems, f"{path}.text", len(text), limit)


def _block(problems: list[str], path: str, block: Any) -> None:
    if not isinstance(block, dict) or "type" not in block:
        problems.append(f"{path} is not a block")
        return
    _max(problems, f"{path}.block_id", len(block.get("block_id") or ""), MAX_ID)
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{path}: a section needs text or fields")
        _text_obj(problems, f"{path}.text", block.get("text"), MAX_SECTION_TEXT)
        fields = block.get("fields") or []
        _max(problems, f"{path}.fields", len(fields), MAX_FIELDS)
        for j, field in enumerate(fields):
            _text_obj(problems, f"{path}.fields[{j}]", field, MAX_FIELD_TEXT, required=True)
        if "accessory" in block:
            _element(problems, f"{path}.accessory", block["accessory"])
    elif kind == "header":
        _text_obj(problems, f"{path}.text", block.get("text"), MAX_HEADER_TEXT, required=True, plain=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements:
            problems.append(f"{path}: a context needs elements")
        _max(problems, f"{path}.elements", len(elements), MAX_CONTEXT_ELEMENTS)
        for j, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                _text_obj(problems, f"{path}.elements[{j}]", el, MAX_SECTION_TEXT)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements:
            problems.append(f"{path}: an actions block needs elements")
        _max(problems, f"{path}.elements", len(elements), MAX_ACTIONS_ELEMENTS)
        for j, el in enumerate(elements):
            _element(problems, f"{path}.elements[{j}]", el)
    elif kind == "input":
        _text_obj(problems, f"{path}.label", block.get("label"), MAX_LABEL, required=True, plain=True)
        _text_obj(problems, f"{path}.hint", block.get("hint"), MAX_LABEL, plain=True)
        if "element" not in block:
            problems.append(f"{path}: an input needs an element")
        else:
            _element(problems, f"{path}.element", block["element"])
    elif kind == "image":
        _max(problems, f"{path}.image_url", len(block.get("image_url") or ""), MAX_URL)
        if not block.get("alt_text"):
            problems.append(f"{path}: an image needs alt_text")
    elif kind not in ("divider", "rich_text", "file", "video", "markdown"):
        problems.append(f"{path}: unknown block type {kind!r}")


def _element(problems: list[str], path: str, el: Any) -> None:
    if not isinstance(el, dict) or "type" not in el:
        problems.append(f"{path} is not an element")
        return
    _max(problems, f"{path}.action_id", len(el.get("action_id") or ""), MAX_ID)
    kind = el["type"]
    if "placeholder" in el:
        _text_obj(problems, f"{path}.placeholder", el["placeholder"], MAX_PLACEHOLDER, plain=True)
    if kind == "button":
        _text_obj(problems, f"{path}.text", el.get("text"), MAX_BUTTON_TEXT, required=True, plain=True)
        _max(problems, f"{path}.value", len(el.get("value") or ""), MAX_BUTTON_VALUE)
        _max(problems, f"{path}.url", len(el.get("url") or ""), MAX_URL)
    elif kind in ("static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"):
        options = el.get("options") or []
        groups = el.get("option_groups") or []
        limit = {"overflow": 5, "radio_buttons": 10, "checkboxes": 10}.get(kind, MAX_OPTIONS)
        _max(problems, f"{path}.options", len(options), limit)
        _max(problems, f"{path}.option_groups", len(groups), MAX_OPTIONS)
        if not options and not groups:
            problems.append(f"{path}: a {kind} needs options")
        all_options = list(options) + [o for g in groups for o in (g.get("options") or [])]
        for j, opt in enumerate(all_options):
            _option(problems, f"{path}.options[{j}]", opt)
        for key in ("initial_option",):
            if key in el:
                _option(problems, f"{path}.{key}", el[key])
    elif kind == "plain_text_input":
        if el.get("max_length", 0) > 3000:
            problems.append(f"{path}.max_length is above 3000")
        _max(problems, f"{path}.initial_value", len(el.get("initial_value") or ""), 3000)


def _option(problems: list[str], path: str, opt: Any) -> None:
    if not isinstance(opt, dict):
        problems.append(f"{path} is not an option")
        return
    _text_obj(problems, f"{path}.text", opt.get("text"), MAX_OPTION_TEXT, required=True)
    _max(problems, f"{path}.value", len(opt.get("value") or ""), MAX_OPTION_VALUE)


# ---------------------------------------------------------------------------------
# Text rendering (demo, CLI, logs)
# ---------------------------------------------------------------------------------
def _plain(obj: Any) -> str:
    if isinstance(obj, dict):
        text = obj.get("text", "")
        text = text.get("text", "") if isinstance(text, dict) else text
        return str(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "" if obj is None else str(obj)


def _element_text(el: dict) -> str:
    kind = el.get("type")
    if kind == "button":
        url = f" <{el['url']}>" if el.get("url") else ""
        return f"[{_plain(el.get('text'))}]{url}"
    if kind in ("static_select", "overflow", "multi_static_select", "radio_buttons", "checkboxes"):
        opts = [_plain(o.get("text")) for o in el.get("options") or []]
        return "{" + " | ".join(opts) + "}"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    if kind in ("plain_text", "mrkdwn"):
        return _plain(el)
    return f"[{kind}]"


def blocks_to_text(payload: dict) -> str:
    """What a person would read: headers, sections, fields, context, buttons, as text."""
    lines: list[str] = []
    if payload.get("type") == "modal":
        lines.append(f"## {_plain(payload.get('title'))}")
    blocks = payload.get("blocks") or []
    if not blocks and payload.get("text"):
        lines.append(_plain({"text": payload["text"]}))
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _plain(block.get("text"))
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_plain(block["text"]))
            fields = [_plain(f) for f in block.get("fields") or []]
            for k in range(0, len(fields), 2):
                lines.append("  " + "    ".join(fields[k:k + 2]))
            if block.get("accessory"):
                lines.append("  " + _element_text(block["accessory"]))
        elif kind == "context":
            lines.append("  " + " · ".join(_element_text(e) for e in block.get("elements") or []))
        elif kind == "actions":
            lines.append(" ".join(_element_text(e) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            lines.append(f"{_plain(block.get('label'))}: {_element_text(block.get('element') or {})}")
    return "\n".join(lines).rstrip() + "\n"

"""Typed, bounded values out of what Slack hands back: button values, select options,
private_metadata and modal inputs.

Everything here came from a Slack client, so it may be forged: a button value we never
wrote, an id beyond the database's integers, text longer than its column, a NUL byte
(PostgreSQL refuses it in text). Each reader returns a value that fits where it goes, or
raises ``BadInput(STALE)`` — "that button is out of date" — which is what a forged value
deserves, and what a real but old button also gets. Modal fields a person typed are
checked by each modal's ``validate`` (polite field errors); these readers are the second
line, for values no real client sends.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_

STALE = N_("That button is out of date; run the command again.")
STALE_FORM = N_("That form is out of date; start again.")

MAX_DB_ID = 2**31 - 1  # our primary keys are INTEGER on PostgreSQL
MAX_PAGE = 100_000
BUTTON_VALUE_CHARS = 2000  # Slack's limit for a button's value
TEXT_INPUT_CHARS = 3000  # Slack's limit for a plain_text_input
_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def record_id(raw: Any, message: str = STALE) -> int:
    """A database id: 1 .. 2**31-1, as an int or ASCII digits (an optional leading '#')."""
    if isinstance(raw, bool):
        raise BadInput(message)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw.strip().removeprefix("#")):
        value = int(raw.strip().removeprefix("#"))
    else:
        raise BadInput(message)
    if not 1 <= value <= MAX_DB_ID:
        raise BadInput(message)
    return value


def page_number(raw: Any, message: str = STALE) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_PAGE:
        if isinstance(raw, str) and _DIGITS.fullmatch(raw) and 1 <= int(raw) <= MAX_PAGE:
            return int(raw)
        raise BadInput(message)
    return raw


def text(raw: Any, max_chars: int, message: str = STALE, *, empty_ok: bool = True) -> str:
    """A string that fits ``max_chars`` and holds no control character (tab and newlines
    excepted)."""
    if not isinstance(raw, str) or len(raw) > max_chars or _CONTROL.search(raw) or (not raw and not empty_ok):
        raise BadInput(message)
    return raw


def optional_text(raw: Any, max_chars: int, message: str = STALE) -> str | None:
    return None if raw is None else text(raw, max_chars, message)


def json_object(raw: Any, message: str = STALE) -> dict:
    """A button value or private_metadata written by us as a JSON object."""
    if not isinstance(raw, str) or len(raw) > BUTTON_VALUE_CHARS * 2:
        raise BadInput(message)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadInput(message) from None
    if not isinstance(value, dict):
        raise BadInput(message)
    return value


def calendar_day(raw: Any) -> date | None:
    """``YYYY-MM-DD`` that exists in the calendar (2026-02-30 does not), else None."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw, re.ASCII):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def clean_action(action: Any) -> bool:
    """True when a clicked element's values are strings Slack could have sent."""
    if not isinstance(action, dict):
        return False
    values = [action.get("value")]
    for option in [action.get("selected_option"), *(action.get("selected_options") or [])]:
        if option is not None:
            if not isinstance(option, dict):
                return False
            values.append(option.get("value"))
    for key in ("selected_date", "selected_user", "selected_channel", "selected_conversation"):
        values.append(action.get(key))
    return all(v is None or (isinstance(v, str) and len(v) <= BUTTON_VALUE_CHARS and not _CONTROL.search(v))
               for v in values)


def clean_view_values(values: dict) -> bool:
    """True when every submitted input is what a Slack client sends: strings (or lists of
    them) within Slack's own length limits, without control characters."""
    def ok(v: Any) -> bool:
        if v is None:
            return True
        if isinstance(v, str):
            return len(v) <= TEXT_INPUT_CHARS and not _CONTROL.search(v)
        if isinstance(v, list):
            return len(v) <= 100 and all(isinstance(x, str) and ok(x) for x in v)
        return False

    return all(ok(v) for v in values.values())

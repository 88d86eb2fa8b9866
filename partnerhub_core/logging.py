"""Structured logs: one JSON object per line, through the standard logging module.

``configure_logging(settings)`` installs one handler on the root logger (level from
``PARTNERHUB_LOG_LEVEL``) with two guards every line passes:

- ``RedactingFilter`` replaces anything that looks like a token (``xoxb-…``, ``xoxp-…``,
  ``xapp-…``, ``Bearer …``, Fernet keys) and the literal values of the configured secrets
  (signing secret, client secret, Webex token, secret keys) with ``***``;
- the formatter drops fields that may carry customer data (``PRIVATE_FIELDS``: command
  text, customer names, …) from every line at INFO and above; they appear at DEBUG only.

Callers log an event name as the message and the facts as ``extra`` fields:
``log.info("request", extra={"workspace": "T1", "command": "/partnerhub", ...})``.
``event(logger, name, **fields)`` is the short form.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

# Fields only written at DEBUG: what a person typed, and names of customers.
PRIVATE_FIELDS = frozenset({"text", "query", "customer", "customer_name", "customer_names", "user_name"})

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}

_TOKEN_PATTERNS = [
    re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"),  # Slack bot/user/app-config tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),  # Slack app-level tokens
    re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"),  # a Fernet ciphertext
    # A Webex access token as the Developer Portal and OAuth hand it out:
    # <opaque>_<4-character cluster>_<org uuid>, e.g. "NmY3…_PF84_1eb65fdf-…"
    re.compile(r"\b[A-Za-z0-9]{32,}_[A-Za-z0-9]{4}_[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"),
]
# Any other long opaque word (a token pasted without its suffix, a refresh token) is masked
# too, except what is long and harmless: hex digests and Webex ids (base64 of
# "ciscospark://…"), which operators need in the logs.
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{64,}={0,2}(?![A-Za-z0-9_=-])")
_HEX = re.compile(r"[0-9a-fA-F]+")
MASK = "***"
_HANDLER_NAME = "partnerhub-json"
# The password of a URL (`postgresql://user:PASSWORD@host/db`) in any text.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)
# Terminal colours some libraries (uvicorn) put into their messages.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Extra fields of third-party records that only repeat the message, with colours.
_DROPPED_FIELDS = frozenset({"color_message"})


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every token-looking word and every literal secret masked."""
    for secret in secrets:
        if secret and len(secret) >= 6:  # a tiny "secret" would mask ordinary words
            text = text.replace(secret, MASK)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(lambda m: _mask_match(m.group(0)), text)
    text = _OPAQUE.sub(lambda m: m.group(0) if _harmless(m.group(0)) else MASK, text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}@", text)


def _harmless(word: str) -> bool:
    """A long word that is not a secret: hex (digests) or a Webex id."""
    if _HEX.fullmatch(word):
        return True
    padded = word + "=" * (-len(word) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (ValueError, binascii.Error):
        return False
    return decoded.startswith(b"ciscospark://")


def _mask_match(found: str) -> str:
    if found[:6].lower() == "bearer":
        return "Bearer " + MASK
    if found.startswith("gAAAAA") or not found.startswith(("xox", "xapp")):  # Fernet, Webex
        return MASK
    return found.split("-", 1)[0] + "-" + MASK  # keep the kind: "xoxb-***"


class RedactingFilter(logging.Filter):
    """Masks tokens and secrets in the message, the extra fields and the traceback."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the line
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS:
                setattr(record, key, self._clean(value))
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            record.exc_info = None
        return True

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return redact(value, self.secrets)
        if isinstance(value, dict):
            return {k: self._clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._clean(v) for v in value]
        return value


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, event, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _ANSI.sub("", record.getMessage()),
        }
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key.startswith("_") or key in _DROPPED_FIELDS:
                continue
            if key in PRIVATE_FIELDS and record.levelno >= logging.INFO:
                continue
            out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(JsonFormatter):
    """Development on a terminal: ``10:31:02 INFO  partnerhub.worker job_run job=tick …``
    (the same fields as the JSON lines, readable)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = json.loads(super().format(record))
        head = (f"{fields.pop('ts')[11:19]} {fields.pop('level').upper():<7} {fields.pop('logger')} "
                f"{fields.pop('event')}")
        exc = fields.pop("exc", None)
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{head} {tail}".rstrip() + (f"\n{exc}" if exc else "")


def settings_secrets(settings) -> list[str]:
    """The literal secret values a settings object holds (for redaction)."""
    found: list[str] = []
    for name in ("slack_signing_secret", "slack_client_secret", "slack_bot_token", "slack_app_token",
                 "webex_token", "secret_keys"):
        value = getattr(settings, name, None)
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
        found.extend(part.strip() for part in raw.split(",") if part.strip())
    return found


def configure_logging(settings, stream=None) -> logging.Handler:
    """Install (or replace) the JSON handler on the root logger. Idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter(settings_secrets(settings)))
    # JSON for machines (production, files, pipes); readable lines for a person at a
    # terminal in development.
    out = handler.stream
    readable = str(getattr(settings, "environment", "")).lower() != "production" and getattr(out, "isatty", bool)()
    handler.setFormatter(TextFormatter() if readable else JsonFormatter())
    root.addHandler(handler)
    level = logging.getLevelName(str(settings.log_level).upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    # Libraries that log request bodies or headers at DEBUG stay quieter than ours.
    for noisy in ("httpx", "httpcore", "urllib3", "slack_sdk.web", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.INFO))
    # Chatter: the scheduler's "job executed" lines (six a minute) and Alembic's plugin
    # set-up show only at DEBUG.
    chatter = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for noisy in ("apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(chatter)
    return handler


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event: ``event(log, "job_run", job="digests", outcome="ok")``."""
    logger.log(level, name, extra=fields)

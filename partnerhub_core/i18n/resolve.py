"""Which language to answer in. Pure: the bot passes in what it knows.

For a reply to a person, the first of these that is a language we speak wins:

1. the person's own choice (``PartnerAdmin.language``, set by ``/partnerhub language pt-BR``);
2. the locale of their Slack account (``users.info`` with ``include_locale``);
3. the workspace default chosen at setup (``Workspace.default_language``);
4. English.

A Slack locale we do not speak (``fr-FR``) is skipped rather than answered in English:
the workspace default is a better guess for that team. Digests go to a channel, not a
person, so they use the channel subscription's language, then the workspace default.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import DEFAULT_LOCALE, SUPPORTED, is_supported, normalize_locale, to_bcp47

# Where the language of a reply came from (shown by `/partnerhub language`).
SOURCE_USER = "user"
SOURCE_SLACK = "slack"
SOURCE_WORKSPACE = "workspace"
SOURCE_SUBSCRIPTION = "subscription"
SOURCE_DEFAULT = "default"

# Words people type for each language, beyond the locale tags themselves.
_ALIASES = {
    "en": "en", "english": "en", "inglés": "en", "ingles": "en", "inglês": "en",
    "pt": "pt_BR", "pt-br": "pt_BR", "pt_br": "pt_BR", "br": "pt_BR",
    "portuguese": "pt_BR", "português": "pt_BR", "portugues": "pt_BR", "portugués": "pt_BR",
    "es": "es", "spanish": "es", "español": "es", "espanol": "es", "espanhol": "es",
}
_TAG = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*")
# Words that clear a personal choice and go back to the Slack locale.
RESET_WORDS = frozenset({"auto", "automatic", "reset", "default", "automático", "automatico"})


@dataclass(frozen=True)
class LocaleChoice:
    locale: str  # "en", "pt_BR" or "es"
    source: str  # SOURCE_*

    @property
    def tag(self) -> str:
        return to_bcp47(self.locale)


def choose_locale(
    *, user_override: str | None, slack_locale: str | None, workspace_default: str | None
) -> LocaleChoice:
    for value, source in (
        (user_override, SOURCE_USER),
        (slack_locale, SOURCE_SLACK),
        (workspace_default, SOURCE_WORKSPACE),
    ):
        if is_supported(value):
            return LocaleChoice(normalize_locale(value), source)
    return LocaleChoice(DEFAULT_LOCALE, SOURCE_DEFAULT)


def resolve_locale(
    *, user_override: str | None, slack_locale: str | None, workspace_default: str | None
) -> str:
    return choose_locale(
        user_override=user_override, slack_locale=slack_locale, workspace_default=workspace_default
    ).locale


def digest_locale(*, subscription_language: str | None, workspace_default: str | None) -> str:
    """The language of a digest, an alert or a scheduled report posted to a channel."""
    for value in (subscription_language, workspace_default):
        if is_supported(value):
            return normalize_locale(value)
    return DEFAULT_LOCALE


def cli_locale(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of the command line's own messages (its errors): ``--lang X`` on the
    command line, else ``PARTNERHUB_LANGUAGE``, else English. The shell's ``LANG`` is not
    read on purpose: scripts parse the CLI's output, and a server's locale should not
    change it under them."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalize_locale(argv[i + 1])
        if arg.startswith("--lang="):
            return normalize_locale(arg.split("=", 1)[1])
    return normalize_locale(environ.get("PARTNERHUB_LANGUAGE"))


def parse_language(text: str | None) -> str | None:
    """What a person typed -> "en" / "pt_BR" / "es"; None for "auto" (clear the choice).

    Strict, unlike ``normalize_locale``: a language we do not speak is an error, not English.
    """
    word = (text or "").strip().casefold()
    if word in RESET_WORDS:
        return None
    found = _ALIASES.get(word)
    if found is None and _TAG.fullmatch(word) and is_supported(word):
        # Regional tags: en-GB, es-MX, pt-PT ... map to the language we have.
        found = normalize_locale(word)
    if found is None:
        raise BadInput(
            "Unknown language \u201c{language}\u201d. Choose one of: {choices}.",
            language=(text or "").strip()[:40],
            choices=", ".join(to_bcp47(code) for code in SUPPORTED),
        )
    return found


class LocaleCache:
    """A small per-process cache of Slack user locales, with expiry.

    Slack rate-limits ``users.info`` (Tier 4) and a person's locale rarely changes, so
    the bot asks once per user per ``ttl``. ``now`` is passed in (no wall clock here).
    Thread-safe: bolt runs listeners on worker threads.
    """

    def __init__(self, ttl: timedelta = timedelta(hours=6), max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[str, str], tuple[datetime, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], *, now: datetime) -> tuple[bool, str | None]:
        """(hit, locale). A hit may hold None: Slack gave no locale for that user."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return False, None
            expires, value = item
            if now >= expires:
                del self._items[key]
                return False, None
            self._items.move_to_end(key)
            return True, value

    def put(self, key: tuple[str, str], value: str | None, *, now: datetime,
            ttl: timedelta | None = None) -> None:
        with self._lock:
            self._items[key] = (now + (ttl or self.ttl), value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)

"""One filter syntax for every CLI command that filters: the words people type in Slack
(``region:EU tag:"At risk" product:calling status:expiring_soon``), parsed by the core's
``CustomerFilters.parse``. The older options (``--region``, ``--tag``, ``--product``,
``--status``) stay as aliases: both spellings work, and when they disagree the command
stops with one line (exit 2) instead of guessing which one was meant.

Each command says which keys apply to it; a key that does not is refused by name. Where
a command has no name search, a bare region (``EU``) or product (``calling``) word is
read as that filter, as Slack reads ``/partnerhub kpis calling EU``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.cli import click_errors

if TYPE_CHECKING:
    from partnerhub_core.customers import CustomerFilters

REGIONS = ("US", "CA", "EU", "UAE")
ANALYTICS_PRODUCTS = ("meetings", "calling")  # the bare product words analytics read
# The option each key's alias is spelled with.
ALIAS_OPTIONS = {"region": "--region", "tag": "--tag", "product": "--product", "status": "--status"}


def _bare(word: str, keys: tuple[str, ...]) -> str | None:
    """``EU`` -> ``region:EU``, ``calling`` -> ``product:calling`` where those keys apply."""
    # In any of our languages: "Europa", "chamadas" (partnerhub_core.i18n.words).
    from partnerhub_core.i18n import words

    if "region" in keys and words.canonical("region", word) in REGIONS:
        return f"region:{words.canonical('region', word)}"
    if "product" in keys and words.canonical("product", word) in ANALYTICS_PRODUCTS:
        return f"product:{words.canonical('product', word)}"
    return None


def _same(key: str, one: str, other: str) -> bool:
    return one.casefold() == other.casefold() if key == "tag" else one == other


def parse_filters(words: list[str] | None, *, keys: tuple[str, ...],
                  checks: dict[str, Callable[[str], object]] | None = None, **aliases: str | None) -> CustomerFilters:
    """The command's filters from its FILTER words and alias options (``region=…``).

    ``keys`` are the CustomerFilters fields the command applies (``search`` for name
    words). ``checks`` validate a key's raw value first with the function the Slack answer
    uses (analytics: ``subscriptions.check_product``), so both say the same words ("Unknown
    product teams: use meetings or calling."). Unknown keys and values are the core's
    one-line errors (exit 2); a key the command does not apply, a stray word, or an alias
    disagreeing with a word is a usage error (exit 2)."""
    from partnerhub_core.customers import CustomerFilters
    from partnerhub_core.i18n import words as typed

    tokens: list[str] = []
    for word in words or []:
        if ":" in word or "search" in keys:
            tokens.append(word)
            continue
        as_filter = _bare(word, keys)
        if as_filter is None:
            raise click_errors.UsageError(
                f"{word!r} is not a filter: use key:value words ({_spelled(keys)})")
        tokens.append(as_filter)
    for key, check in (checks or {}).items():
        for token in tokens:
            name, colon, value = token.partition(":")
            if colon and typed.canonical("filter_key", name) == key:
                check(value.strip().strip('"\'“”').strip())
        if aliases.get(key):
            check(aliases[key])
    parsed = CustomerFilters.parse(tokens)
    for key, value in aliases.items():
        if value is None or value == "":
            continue
        given = getattr(CustomerFilters.parse([f"{key}:{value}"]), key)
        already = getattr(parsed, key)
        if already is not None and not _same(key, already, given):
            raise click_errors.UsageError(
                f"{ALIAS_OPTIONS.get(key, key)} {value} and {key}:{already} disagree: give one of them")
        parsed = replace(parsed, **{key: already or given})
    unused = [k for k in parsed.describe() if k.split(":", 1)[0] not in keys]
    if unused:
        raise click_errors.UsageError(
            f"the filter {unused[0].split(':', 1)[0]} does not apply to this command: use {_spelled(keys)}")
    return parsed


def _spelled(keys: tuple[str, ...]) -> str:
    examples = {"region": "region:EU", "tag": 'tag:"At risk"', "product": "product:calling",
                "status": "status:expiring_soon", "managed_by": "managed:external",
                "subscription_type": "type:trial", "search": "name words"}
    return " ".join(examples[k] for k in keys if k in examples)

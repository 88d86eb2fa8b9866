"""The filter words of the customer list (F4): ``region:EU status:expiring_soon tag:"Key
accounts"``, in any of our languages (``i18n.words``), parsed into ``CustomerFilters``.
``partnerhub_core.customers`` re-exports ``CustomerFilters``."""
from __future__ import annotations

from dataclasses import dataclass, fields

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.i18n import words as typed
from partnerhub_core.models import CustomerStatus, Product, Region

MAX_QUERY_CHARS = 200

_KEY_ALIASES = {
    "managed_by": "managed_by", "managed-by": "managed_by", "managed": "managed_by",
    "product": "product",
    "status": "status",
    "subscription_type": "subscription_type", "subscription-type": "subscription_type", "type": "subscription_type",
    "tag": "tag",
    "region": "region",
    "search": "search", "name": "search",
}


def _norm(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True)
class CustomerFilters:
    """F4 filters; every set field must hold (AND). Values are canonical after ``parse``."""

    managed_by: str | None = None  # ManagedBy value
    product: str | None = None  # Product value: has a line of it that is not over
    status: str | None = None  # CustomerStatus value on as_of
    subscription_type: str | None = None  # "subscription" (paid line in force) | "trial" (trial in force)
    tag: str | None = None  # tag name
    region: str | None = None  # Region value
    search: str | None = None  # name fragment or org id

    @classmethod
    def parse(cls, tokens: list[str]) -> "CustomerFilters":
        """``key:value`` words (``region:EU status:expiring_soon tag:"Key accounts"``); words
        without a colon form the name search. Unknown keys or values raise ``BadInput``."""
        values: dict[str, str] = {}
        words: list[str] = []
        for token in _rejoin_quoted(tokens):
            token = token.strip()
            if not token:
                continue
            if ":" not in token:
                words.append(token)
                continue
            raw_key, _, raw_value = token.partition(":")
            key = _KEY_ALIASES.get(_norm(raw_key)) or typed.canonical("filter_key", raw_key)
            if key is None:
                raise BadInput(N_("Unknown filter {key}: use {allowed}."), key=raw_key,
                               allowed=", ".join(f.name for f in fields(cls)))
            value = raw_value.strip().strip('"\'“”').strip()
            if not value:
                raise BadInput(N_("The filter {key} needs a value, e.g. {example}."), key=key,
                               example=f"{raw_key}:{_EXAMPLES[key]}")
            if key in values and key != "search":
                raise BadInput(N_("The filter {key} is given twice."), key=key)
            values[key] = _canonical(key, value)
        if words:
            values["search"] = " ".join(([values["search"]] if "search" in values else []) + words)
        if "search" in values and len(values["search"]) > MAX_QUERY_CHARS:
            raise BadInput(N_("The search text is too long (at most {max} characters)."), max=MAX_QUERY_CHARS)
        return cls(**values)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def describe(self) -> list[str]:
        return [f"{f.name}:{getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) is not None]


def _rejoin_quoted(tokens: list[str]) -> list[str]:
    """``['tag:"Key', 'accounts"']`` (text split on spaces) -> ``['tag:"Key accounts"']``."""
    out: list[str] = []
    open_quote = None
    for token in tokens:
        if open_quote:
            out[-1] += " " + token
            if token.endswith(open_quote):
                open_quote = None
            continue
        out.append(token)
        _, _, value = token.partition(":")
        for q in ('"', "'", "“"):
            if value.startswith(q) and (len(value) == 1 or not value.endswith("”" if q == "“" else q)):
                open_quote = "”" if q == "“" else q
                break
    return out


_EXAMPLES = {"managed_by": "external", "product": "calling", "status": "expiring_soon",
             "subscription_type": "trial", "tag": "VIP", "region": "EU", "search": "acme"}


_KINDS = {"managed_by": ("managed_by", ("external_admin", "partner_org")),
          "product": ("product", tuple(p.value for p in Product)),
          "status": ("status", tuple(s.value for s in CustomerStatus)),
          "subscription_type": ("subscription_type", ("subscription", "trial")),
          "region": ("region", tuple(r.value for r in Region))}


def _canonical(key: str, value: str) -> str:
    """A typed value in any language (``i18n.words``: "reuniões", "Europa", "prueba") as its
    code; an unknown one names the valid words in the reader's language."""
    if key not in _KINDS:
        return value
    kind, allowed = _KINDS[key]
    found = typed.canonical(kind, value)
    if found is None:
        raise BadInput(N_("Unknown value {value} for {key}: use one of {allowed}."), value=value, key=key,
                       allowed=typed.Choices(kind, allowed))
    return found

"""What every table shares: the base class, column helpers, the domain's enumerations and
search keys."""

import unicodedata
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Entry points only: the core takes instants as arguments."""
    return datetime.now(timezone.utc)


# Latin letters that NFKD does not split into a base letter plus a mark (Ł is its own
# letter, not L + stroke), so stripping combining marks alone would leave "łodz" and
# `lodz bank` would miss Łódź Bank. Written out here rather than pulling in a library.
# Stored keys made before this table existed are rewritten by search_keys.refresh()
# (run by `partnerhub db upgrade`).
_TRANSLITERATE = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D",
    "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
    "ı": "i", "ŀ": "l", "Ŀ": "L", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ĸ": "k",
    "ŋ": "n", "Ŋ": "N", "ƒ": "f",
})


def search_key(text: str | None) -> str:
    """Case- and accent-insensitive form of a name: "São Paulo" -> "sao paulo",
    "Łódź Bank" -> "lodz bank"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class Table(SQLModel):
    """Base of every table. ``defer_build``: pydantic builds a model's validator and serializer
    on first use instead of when the class is defined. Table models do not validate in
    ``__init__`` and nothing here calls ``model_validate``/``model_dump`` on them, so the
    build, about a sixth of defining the tables, is not paid by a process that only
    queries (every CLI command); if something does ask, pydantic builds it then."""

    model_config = ConfigDict(defer_build=True)


def _ts(**kw) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kw)


def _json(**kw) -> Any:
    return Field(sa_type=JSON, **kw)


# ---------------------------------------------------------------------------------
# Enumerations (the domain's words)
# ---------------------------------------------------------------------------------
class Region(StrEnum):
    US = "US"
    CA = "CA"
    EU = "EU"
    UAE = "UAE"


class ManagedBy(StrEnum):
    EXTERNAL_ADMIN = "external_admin"  # the partner manages it as an external admin
    PARTNER_ORG = "partner_org"  # the customer lives inside the partner organization


class Product(StrEnum):
    MEETINGS = "meetings"
    CALLING = "calling"
    MESSAGING = "messaging"
    REAL_TIME_TRANSLATIONS = "real_time_translations"
    CONTACT_CENTER = "contact_center"
    WEBINARS = "webinars"


class ProvisioningState(StrEnum):
    PROVISIONED = "provisioned"
    PENDING_SETUP = "pending_setup"  # "ready for order setup"


class PaymentState(StrEnum):
    PAID = "paid"
    UNPAID = "unpaid"  # "suspended"


class Role(StrEnum):
    """Partner admin roles (SPEC F7), strongest first."""

    FULL_ADMIN = "full_admin"  # every customer, every action
    ADMIN = "admin"  # assigned customers; tags, schedules, admins
    SALES_ADMIN = "sales_admin"  # trials for assigned customers; read otherwise
    READ_ONLY = "read_only"  # looks, never changes


class CustomerStatus(StrEnum):
    """SPEC F1. Derived on a date by ``statuses.py``; never stored."""

    TRIAL = "trial"
    ACTIVE = "active"
    EXPIRING_SOON = "expiring_soon"
    LICENSE_OVERAGE = "license_overage"
    NO_RECENT_ACTIVITY = "no_recent_activity"
    READY_FOR_ORDER_SETUP = "ready_for_order_setup"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

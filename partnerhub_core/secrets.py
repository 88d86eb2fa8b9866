"""Tokens at rest: Slack bot and user tokens and Webex tokens are stored encrypted.

Keys come from ``PARTNERHUB_SECRET_KEYS`` (Fernet keys, comma separated, newest first):
the newest encrypts, every listed key decrypts, so an operator rotates by putting a new
key in front, running ``partnerhub secrets rotate`` and later dropping the old key.

The keyring is process-wide because a column type cannot receive settings per row:
entry points call ``configure(settings)`` once at start (``build_app``, the worker, the
CLI). In production mode a missing key refuses to start; elsewhere (development, the
demo, tests) a throwaway key is generated, which makes tokens written by this process
unreadable by any other process or after a restart.

A table opts in by declaring a column with ``EncryptedString`` (or, for tables we do not
define ourselves, ``register_encrypted_columns``); ``rotate(session)`` finds them all.
Encrypted values cannot be searched: look rows up by another column.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import TypeDecorator

from partnerhub_core.errors import PartnerHubError
from partnerhub_core.i18n import N_

log = logging.getLogger(__name__)

ENVIRONMENTS = ("development", "production", "test")
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 + timestamp


class SecretsNotConfigured(PartnerHubError):
    """Production mode without PARTNERHUB_SECRET_KEYS, or an unusable key."""


class SecretUnreadable(PartnerHubError):
    """A stored value does not decrypt with any configured key."""


@dataclass
class _Keyring:
    fernet: MultiFernet
    ephemeral: bool  # generated for this process only


_keyring: _Keyring | None = None


def generate_key() -> str:
    """A new Fernet key (32 random bytes, url-safe base64), as operators paste it."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(raw: str) -> list[Fernet]:
    """``"new,old"`` -> Fernets, newest first. Never echoes a key in an error."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise SecretsNotConfigured(N_("PARTNERHUB_SECRET_KEYS is empty."))
    fernets = []
    for position, part in enumerate(parts, start=1):
        try:
            fernets.append(Fernet(part.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise SecretsNotConfigured(
                N_(
                    "PARTNERHUB_SECRET_KEYS entry {position} is not a Fernet key (32 url-safe "
                    "base64 bytes); make one with `partnerhub secrets generate-key`."
                ),
                position=position,
            ) from None
    return fernets


def configure(settings) -> bool:
    """Set the process keyring from settings. Returns True when the key is throwaway.

    Raises ``SecretsNotConfigured`` (one line, for the operator) in production mode
    without keys, and for any malformed key.
    """
    global _keyring
    environment = str(settings.environment or "").strip().lower()
    if environment not in ENVIRONMENTS:
        # A typo ("prod") must not quietly run production on a throwaway key.
        raise SecretsNotConfigured(
            N_("PARTNERHUB_ENVIRONMENT must be development or production, not {value}."),
            value=settings.environment,
        )
    raw = settings.secret_keys.get_secret_value() if settings.secret_keys else ""
    if raw.strip():
        _keyring = _Keyring(MultiFernet(parse_keys(raw)), ephemeral=False)
        return False
    if environment == "production":
        raise SecretsNotConfigured(
            N_(
                "PARTNERHUB_SECRET_KEYS is not set: production mode will not store Slack and "
                "Webex tokens without encryption (make a key with `partnerhub secrets "
                "generate-key`)."
            )
        )
    if _keyring is None or not _keyring.ephemeral:
        # The warning waits for a token actually being stored (encrypt), once per process:
        # commands that never store one stay quiet.
        _keyring = _Keyring(MultiFernet([Fernet(Fernet.generate_key())]), ephemeral=True)
    return True


def reset() -> None:
    """Forget the keyring and the warning given (tests)."""
    global _keyring, _warned_throwaway
    _keyring = None
    _warned_throwaway = False


def keyring() -> MultiFernet:
    """The configured keyring; configures from the environment on first use."""
    if _keyring is None:
        from partnerhub_core.settings import Settings

        configure(Settings())
    assert _keyring is not None
    return _keyring.fernet


def is_ephemeral() -> bool:
    keyring()
    return bool(_keyring and _keyring.ephemeral)


_warned_throwaway = False


def encrypt(plain: str) -> str:
    global _warned_throwaway
    fernet = keyring()
    if _keyring is not None and _keyring.ephemeral and not _warned_throwaway:
        _warned_throwaway = True
        log.warning(
            "PARTNERHUB_SECRET_KEYS is not set: using a throwaway key; tokens stored now "
            "cannot be read after a restart or by another process"
        )
    return fernet.encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise SecretUnreadable(
            N_(
                "A stored token cannot be decrypted with PARTNERHUB_SECRET_KEYS (was the key "
                "that encrypted it removed?)."
            )
        ) from None


def looks_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(FERNET_PREFIX)


class EncryptedString(TypeDecorator):
    """A text column whose values are Fernet-encrypted in the database.

    ``None`` stays NULL. The stored form is longer than the plain text (a 60-character
    token becomes 164 characters), hence TEXT underneath.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)

    def __repr__(self) -> str:  # how Alembic writes it into a migration
        return "EncryptedString()"


# Columns that hold ciphertext but are declared by someone else's table definition (for
# example slack_bolt's installation tables, whose columns are plain strings).
_external_columns: dict[tuple[int, str], tuple[sa.Table, str]] = {}
_external_metadata: list[sa.MetaData] = []


def register_encrypted_columns(table: sa.Table, *names: str) -> None:
    """Declare that ``table``'s columns ``names`` hold ``encrypt()``-ed text (rotation)."""
    for name in names:
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name}")
        _external_columns[(id(table), name)] = (table, name)


def register_metadata(metadata: sa.MetaData) -> None:
    """Also scan these tables for ``EncryptedString`` columns (rotation, purge)."""
    if all(m is not metadata for m in _external_metadata):
        _external_metadata.append(metadata)


def all_metadata() -> list[sa.MetaData]:
    from sqlmodel import SQLModel

    return [SQLModel.metadata, *_external_metadata]


def encrypted_columns() -> list[tuple[sa.Table, str]]:
    """Every (table, column name) that holds ciphertext, in a stable order."""
    found: dict[tuple[str, str], tuple[sa.Table, str]] = {}
    for md in all_metadata():
        for table in md.sorted_tables:
            for col in table.columns:
                if isinstance(col.type, EncryptedString):
                    found[(table.name, col.name)] = (table, col.name)
    for table, name in _external_columns.values():
        found[(table.name, name)] = (table, name)
    return [found[k] for k in sorted(found)]


def rotate(session) -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key. Returns {"table.column": rows}.

    Reads and writes the ciphertext as plain text (no decrypt/encrypt round trip through
    the column type), so values are never held in clear longer than ``MultiFernet.rotate``
    needs. The caller commits; a value no key can read raises ``SecretUnreadable`` and the
    caller's rollback leaves everything as it was.
    """
    ring = keyring()
    inspector = sa.inspect(session.connection())
    out: dict[str, int] = {}
    for table, name in encrypted_columns():
        if not inspector.has_table(table.name):
            continue  # a part not migrated into this database holds no secrets
        pk = list(table.primary_key.columns)
        if not pk:
            raise ValueError(f"{table.name} has no primary key; cannot rotate {name}")
        raw = sa.type_coerce(table.c[name], sa.Text()).label("v")
        rows = session.execute(sa.select(*pk, raw).where(table.c[name].is_not(None))).all()
        count = 0
        for row in rows:
            value = row.v
            try:
                new = ring.rotate(value.encode("ascii")).decode("ascii")
            except (InvalidToken, UnicodeEncodeError):
                raise SecretUnreadable(
                    N_(
                        "A stored token in {table}.{column} cannot be decrypted with "
                        "PARTNERHUB_SECRET_KEYS; nothing was rotated."
                    ),
                    table=table.name,
                    column=name,
                ) from None
            where = [c == row[i] for i, c in enumerate(pk)]
            session.execute(
                sa.update(table).where(*where).values({table.c[name]: sa.literal(new, sa.Text())})
            )
            count += 1
        out[f"{table.name}.{name}"] = count
    return out

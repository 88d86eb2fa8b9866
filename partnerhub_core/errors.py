"""Typed errors the outer layers localize (one error handler in the bot, one in the CLI).

Each carries a message id (an English sentence, also the gettext msgid) and the values
to put into it, so the bot can say it in the user's language.
"""
from __future__ import annotations


def _same(text: str) -> str:
    return text


class Words:
    """An error parameter whose words depend on the reader's language (a list of region
    names, say). ``in_language(gettext)`` says it; ``str()`` says it in English."""

    def in_language(self, gettext) -> str:  # pragma: no cover - subclasses say it
        raise NotImplementedError

    def __str__(self) -> str:
        return self.in_language(_same)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class RegionNames(Words):
    """The regions a person may type, by name with their code: "United States (US), Canada (CA), …"."""

    def __init__(self, codes=None):
        from partnerhub_core.models import Region

        self.codes = tuple(codes) if codes is not None else tuple(r.value for r in Region)

    def in_language(self, gettext) -> str:
        from partnerhub_core.i18n.glossary import REGION_TERMS

        return ", ".join(f"{gettext(REGION_TERMS[c].msgid)} ({c})" if c in REGION_TERMS else c for c in self.codes)

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def localize_params(params: dict, gettext) -> dict:
    """The parameters of an error in the reader's language: ``Words`` are said there, and a
    ``field`` parameter is a message id (the name of a form field, "license count")."""
    out = {}
    for key, value in params.items():
        if isinstance(value, Words):
            value = value.in_language(gettext)
        elif key == "field" and isinstance(value, str):
            value = gettext(value)
        out[key] = value
    return out


class PartnerHubError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(self.render())

    def render(self, gettext=None) -> str:
        gettext = gettext or _same
        text = gettext(self.message)
        try:
            return text.format(**localize_params(self.params, gettext))
        except (KeyError, IndexError, ValueError):
            return text


class NotFound(PartnerHubError):
    """Something named by the user does not exist (for this partner)."""

    def __init__(self, message: str, suggestions: list[str] | None = None, candidates: list | None = None,
                 **params):
        self.suggestions = suggestions or []
        # Rows the user may have meant (e.g. customers.CustomerCandidate): outer layers offer them
        # as buttons or a table, so no internal id has to go into the text.
        self.candidates = candidates or []
        super().__init__(message, **params)


class NotAllowed(PartnerHubError):
    """The caller's role does not permit the action."""


class BadInput(PartnerHubError):
    """The input cannot be understood or breaks a rule."""


class Ambiguous(BadInput):
    """Several things match what the user typed: ``candidates`` holds (at most a page of) them,
    ``total`` how many matched in all."""

    def __init__(self, message: str, candidates: list | None = None, total: int = 0, **params):
        self.candidates = candidates or []
        self.total = total or len(self.candidates)
        super().__init__(message, **params)


class Conflict(PartnerHubError):
    """The action clashes with existing data (a duplicate name, say)."""


class NotSetUp(PartnerHubError):
    """The workspace is not linked to a partner organization yet."""


class UpstreamError(PartnerHubError):
    """A remote service (Webex, Slack) failed after retries."""


class DatabaseUnavailable(PartnerHubError):
    """The database cannot be reached (server down, wrong host, password refused)."""


class DatabaseNotReady(PartnerHubError):
    """The database answers but is not migrated to the schema this code expects."""

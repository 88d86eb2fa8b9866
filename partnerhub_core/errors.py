"""Typed errors the outer layers localize (one error handler in the bot, one in the CLI).

Each carries a message id (an English sentence, also the gettext msgid) and the values
to put into it, so the bot can say it in the user's language.
"""
from __future__ import annotations


class PartnerHubError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(self.render())

    def render(self, gettext=None) -> str:
        text = gettext(self.message) if gettext else self.message
        try:
            return text.format(**self.params)
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

"""How an unknown figure is presented: "—" and one footnote per missing source.

Slack templates, CLI tables and CSV writers all use these, so "unknown" reads the same
everywhere. A ``SourceNote`` says, for one source family and one section (or list),
for how many of its rows the figure is known; ``coverage_line`` turns a partial one into
"License usage known for 412 of 1,980 subscriptions." and ``footnote`` says which source
is missing and how to connect it. Text is English msgids translated by the caller's
``gettext``; nothing here knows Slack.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from partnerhub_core.i18n import N_, format_date, format_number
from partnerhub_core.provenance import LABELS, SCOPES, UNKNOWN, SourceFamily, SourceState

__all__ = ["LABELS", "UNKNOWN", "SourceFamily", "SourceNote", "attach_source_note", "coverage_line", "footnote", "note_lines",
           "why_unknown"]

# The rows a note counts, by unit: one msgid each (a count of 0 or 1 of 1 is rare here).
_COVERAGE = {
    "subscriptions": N_("{source} known for {known} of {total} subscriptions."),
    "customers": N_("{source} known for {known} of {total} customers."),
    "weeks": N_("{source} known for {known} of {total} weeks."),
    "rows": N_("{source} known for {known} of {total} rows."),
}


@dataclass(frozen=True)
class SourceNote:
    """For one section and one source family: rows whose figure is known, of ``total``."""

    family: str  # SourceFamily value
    known: int
    total: int
    unit: str = "rows"  # a key of _COVERAGE
    state: SourceState | None = None

    @property
    def complete(self) -> bool:
        return self.known >= self.total

    def to_dict(self) -> dict[str, Any]:
        state = self.state.to_dict() if self.state else {"family": self.family}
        return {**state, "figures_known": self.known, "figures_total": self.total, "unit": self.unit}


def attach_source_note(section, *, family: SourceFamily, state: SourceState | None, columns: list[str],
                       kpis: list[str] = (), unit: str = "rows"):
    """Mark ``columns`` and ``kpis`` of ``section`` as coming from ``family`` (their
    unknown values then show "—" everywhere) and add a note counting the table rows whose
    first present column of ``columns`` is known. Returns the section."""
    section.columns = [replace(c, source=family.value) if c.key in columns else c for c in section.columns]
    section.kpis = [replace(k, source=family.value) if k.key in kpis else k for k in section.kpis]
    table = section.table
    key = next((c for c in columns if c in table.columns), None)
    total = len(table) if key is not None else 0
    known = int(table[key].notna().sum()) if total else 0
    section.notes = [n for n in section.notes if n.family != family.value]
    section.notes.append(SourceNote(family.value, known, total, unit, state))
    return section


def why_unknown(state: SourceState | None, gettext, locale: str | None) -> str:
    """Why a family's figures are missing: not connected, a missing scope, stale, failed."""
    if state is None or (not state.connected and not state.last_error):
        return gettext(N_("not connected"))
    if state.missing_scopes:
        return gettext(N_("the Webex token lacks {scopes}")).format(scopes=", ".join(state.missing_scopes))
    if not state.connected:
        return gettext(N_("its last read failed ({error})")).format(error=state.last_error)
    if state.stale:
        return gettext(N_("last read on {day}, too long ago")).format(
            day=format_date(state.last_refresh_at.date(), locale))
    return gettext(N_("Webex gave no figure for the others"))


def footnote(note_or_state, gettext, locale: str | None = "en") -> str:
    """One line: which source is missing, why, and how to connect it."""
    state = note_or_state.state if isinstance(note_or_state, SourceNote) else note_or_state
    family = SourceFamily(note_or_state.family.value if isinstance(note_or_state, SourceState)
                          else note_or_state.family)
    text = gettext(N_("{mark} {source}: {why}. To connect it, give the partner's Webex token {scopes} "
                      "and sync; `sources` lists every source."))
    return text.format(mark=UNKNOWN, source=gettext(LABELS[family]), why=why_unknown(state, gettext, locale),
                       scopes=", ".join(SCOPES[family]))


def coverage_line(note: SourceNote, gettext, locale: str | None = "en") -> str | None:
    """"License usage known for 412 of 1,980 subscriptions." for a partial note, else None."""
    if note.complete or not note.total:
        return None
    return gettext(_COVERAGE.get(note.unit, _COVERAGE["rows"])).format(
        source=gettext(LABELS[SourceFamily(note.family)]), known=format_number(note.known, locale),
        total=format_number(note.total, locale))


def note_lines(notes, gettext, locale: str | None = "en") -> list[str]:
    """The lines under a section: per incomplete note, its coverage then its footnote."""
    out: list[str] = []
    for note in notes:
        if note.complete:
            continue
        line = coverage_line(note, gettext, locale)
        if line:
            out.append(line)
        out.append(footnote(note, gettext, locale))
    return out


# ---------------------------------------------------------------------------------
# `sources`: one line per family, the same in Slack and the CLI
# ---------------------------------------------------------------------------------
STATUS_WORDS = {
    "connected": N_("connected"),
    "stale": N_("stale"),
    "not_connected": N_("not connected"),
}


def source_status(state: SourceState) -> str:
    """connected | stale | not_connected (a key of STATUS_WORDS)."""
    if not state.connected:
        return "not_connected"
    return "stale" if state.stale else "connected"


def describe(state: SourceState, gettext, locale: str | None = "en") -> dict[str, Any]:
    """Display texts of one family's state (translated): name, status, last refresh,
    rows, coverage, last error, the scopes it lacks, and how to connect it when it is
    not known."""
    status = source_status(state)
    when = state.last_refresh_at
    coverage = None
    if state.covered is not None and state.total:
        coverage = gettext(N_("{covered} of {total}")).format(
            covered=format_number(state.covered, locale), total=format_number(state.total, locale))
    return {
        "family": state.family.value,
        "label": gettext(LABELS[state.family]),
        "status": status,
        "status_text": gettext(STATUS_WORDS[status]),
        "last_refresh": f"{format_date(when.date(), locale)} {when:%H:%M} UTC" if when else None,
        "rows": format_number(state.rows, locale) if state.connected else None,
        "coverage": coverage,
        "last_error": state.last_error or None,
        "missing_scopes": ", ".join(state.missing_scopes) or None,
        "how": None if state.known else footnote(state, gettext, locale),
    }

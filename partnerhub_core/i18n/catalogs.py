"""Catalog upkeep: extraction, completeness, placeholders, glossary, template literals.

The tests call these functions; so does ``python -m partnerhub_core.i18n.catalogs``:

    check          list every problem (exit 1 if any): untranslated or fuzzy messages,
                   placeholders that differ between a msgid and its translation, glossary
                   terms translated otherwise than the guide, literal text in templates
    missing [LOCALE ...]  print the untranslated msgids as JSON {"pt_BR": {msgid: ""}, ...},
                   ready to fill in and give to ``apply``
    apply FILE     merge translations from JSON {"pt_BR": {msgid: text}, "es": {...}}
                   (a msgid with a context is written "context\\x04msgid"; a plural
                   message takes a list of its forms, or one text for all)
    seed-glossary  write the glossary's guide wording into both catalogs

``make i18n-update`` (pybabel extract + update, then seed-glossary) keeps the catalogs in
step with the code; ``make i18n-check`` runs ``check``.
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from partnerhub_core.i18n import LOCALE_DIR, SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
POT = Path(__file__).resolve().parent / "messages.pot"
TRANSLATED = tuple(code for code in SUPPORTED if code != "en")
# The places extraction looks (babel.cfg says which files in them).
SOURCE_DIRS = ("partnerhub_core", "bot", "templates")
# Keywords beyond Babel's defaults (_, gettext, ngettext, pgettext, N_, ...): keep in
# step with the Makefile's `pybabel extract -k ...` (a test compares them).
# The typed errors of errors.py take their msgid as first argument: extracting them means
# a message raised without N_() is still translated.
ERROR_CLASSES = ("PartnerHubError", "NotFound", "NotAllowed", "BadInput", "Conflict", "NotSetUp", "UpstreamError")
EXTRA_KEYWORDS = {"lazy_gettext": None, "pN_": ((1, "c"), 2), **{name: None for name in ERROR_CLASSES}}
CTX_SEP = "\x04"


# --------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------
def _mapping(root: Path):
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (root / "babel.cfg").open(encoding="utf-8") as fh:
        return parse(fh, str(root / "babel.cfg"))


def extract(root: Path = ROOT) -> Catalog:
    """The messages the code and the templates use today (what ``pybabel extract`` finds)."""
    from babel.messages.extract import DEFAULT_KEYWORDS

    method_map, options_map = _mapping(root)
    keywords = {**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    root_str = str(root)

    def only_sources(dirpath: str) -> bool:
        rel = os.path.relpath(dirpath, root_str)
        parts = rel.split(os.sep)
        if parts[0] not in SOURCE_DIRS:
            return False
        return not any(p.startswith((".", "__")) for p in parts)

    catalog = Catalog(project="partnerhub", version="0.1", fuzzy=False,
                      copyright_holder="partnerhub maintainers")
    for filename, lineno, message, comments, context in extract_from_dir(
        root_str, method_map, options_map, keywords=keywords, directory_filter=only_sources
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalog(locale: str) -> Catalog:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fuzzy header makes `pybabel compile` skip the whole catalog.
    catalog.fuzzy = False
    catalog.project, catalog.version = "partnerhub", "0.1"
    catalog.copyright_holder = catalog.last_translator = "partnerhub maintainers"
    catalog.language_team = f"{catalog.locale} <partnerhub maintainers>"
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=False, sort_output=True, ignore_obsolete=True,
             no_location=True, width=100)
    path.write_bytes(buf.getvalue())


def _msgid_key(message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return message.context, msgid


def _key_text(context: str | None, msgid: str) -> str:
    return f"{context}{CTX_SEP}{msgid}" if context else msgid


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|%\([A-Za-z_][A-Za-z0-9_]*\)[sdfr]|%%|%[sd]")


def placeholders(text: str) -> list[str]:
    """``{name}``, ``{count:,}``, ``%(name)s``, ``%%`` and ``%s`` in a message, sorted."""
    return sorted(_PLACEHOLDER.findall(text or ""))


def _forms(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def untranslated(pot: Catalog, catalog: Catalog) -> list[tuple[str | None, str]]:
    """(context, msgid) of every message of ``pot`` without a usable translation."""
    out = []
    for message in pot:
        if not message.id:
            continue
        context, msgid = _msgid_key(message)
        entry = catalog.get(message.id, context=context)
        if entry is None or entry.fuzzy or not all(_forms(entry.string)) or not entry.string:
            out.append((context, msgid))
    return out


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    out = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        ids = _forms(message.id)
        strings = _forms(message.string)
        if len(ids) == 1:
            expected = placeholders(ids[0])
            for text in strings:
                if placeholders(text) != expected:
                    out.append(f"{catalog.locale}: placeholders of {ids[0]!r} are {expected}, "
                               f"the translation {text!r} has {placeholders(text)}")
        else:
            # Plural forms: each translated form may drop the count ("Um cliente"), but
            # may not invent a placeholder the English forms do not have.
            allowed = set(placeholders(ids[0])) | set(placeholders(ids[1]))
            for text in strings:
                extra = set(placeholders(text)) - allowed
                if extra:
                    out.append(f"{catalog.locale}: translation {text!r} of {ids[0]!r} adds {sorted(extra)}")
    return out


_FORMAT_TOKEN = re.compile(r"%%|%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]")
# Slack mrkdwn that must survive translation: bold, code, links and mentions.
_MARKUP = ("*", "`", "<", ">")


def markup_mismatches(catalog: Catalog) -> list[str]:
    """Translations that lose or add Slack markup (``*bold*``, ``code``, ``<link>``)."""
    out = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy or isinstance(message.id, (list, tuple)):
            continue
        for text in _forms(message.string):
            if any(message.id.count(ch) != text.count(ch) for ch in _MARKUP):
                out.append(f"{catalog.locale}: Slack markup of {message.id!r} differs in {text!r}")
    return out


def template_percent_signs(pot: Catalog, catalog: Catalog) -> list[str]:
    """Templates' ``_()`` is newstyle gettext: it always %-formats, so a lone ``%`` in a
    template message (or its translation) breaks rendering. Write ``%%``."""
    out = []
    for message in pot:
        if not message.id or not any(f.replace("\\", "/").startswith("templates/") for f, _ in message.locations):
            continue
        context, msgid = _msgid_key(message)
        entry = catalog.get(message.id, context=context)
        texts = [*_forms(message.id)] + ([*_forms(entry.string)] if entry is not None and entry.string else [])
        for text in texts:
            if text and "%" in _FORMAT_TOKEN.sub("", text):
                out.append(f"{catalog.locale}: a lone % in {text!r} (template message {msgid!r}); write %%")
    return out


def glossary_mismatches(catalogs: dict[str, Catalog]) -> list[str]:
    from partnerhub_core.i18n.glossary import all_terms

    out = []
    for term in all_terms():
        for locale, catalog in catalogs.items():
            entry = catalog.get(term.msgid, context=term.context)
            said = entry.string if entry is not None and not entry.fuzzy else None
            if said != term.in_(locale):
                out.append(f"{locale}: {term.msgid!r} should be {term.in_(locale)!r} (guide), catalog has {said!r}")
    return out


def too_long(catalogs_by_locale: dict[str, Catalog], templates_dir: Path) -> list[str]:
    """Translations of ``_("…")|clip(n)`` texts that Slack's limit would cut (modal titles: 24)."""
    from partnerhub_core.i18n.templatecheck import clipped_msgids

    out = []
    for msgid, limit, template in clipped_msgids(templates_dir):
        if placeholders(msgid):
            continue  # the length depends on the values
        for locale, catalog in catalogs_by_locale.items():
            entry = catalog.get(msgid)
            if entry is not None and isinstance(entry.string, str) and len(entry.string) > limit:
                out.append(f"{locale}: {entry.string!r} ({msgid!r} in {template}) is longer than {limit} characters")
    return out


def problems(root: Path = ROOT, locales: Iterable[str] = TRANSLATED) -> list[str]:
    from partnerhub_core.i18n.templatecheck import template_literals

    pot = extract(root)
    catalogs = {locale: read_catalog(locale) for locale in locales}
    out: list[str] = []
    for locale, catalog in catalogs.items():
        for context, msgid in untranslated(pot, catalog):
            where = f" (context {context!r})" if context else ""
            out.append(f"{locale}: no translation for {msgid!r}{where}")
        out.extend(placeholder_mismatches(catalog))
        out.extend(markup_mismatches(catalog))
        out.extend(template_percent_signs(pot, catalog))
    out.extend(glossary_mismatches(catalogs))
    out.extend(too_long(catalogs, root / "templates"))
    out.extend(template_literals(root / "templates"))
    return out


# --------------------------------------------------------------------------------------
# Writing translations
# --------------------------------------------------------------------------------------
def update_from_pot(pot: Catalog, locale: str) -> Catalog:
    """``pybabel update`` without fuzzy matching: new msgids come in empty, gone ones go."""
    catalog = read_catalog(locale)
    if not catalog.locale:
        catalog = Catalog(locale=locale)
    catalog.update(pot, no_fuzzy_matching=True)
    catalog.revision_date = pot.creation_date
    return catalog


def apply(mapping: dict[str, dict[str, str]], *, pot: Catalog | None = None) -> dict[str, int]:
    """Write translations ``{locale: {msgid or "ctx\\x04msgid": text}}`` into the catalogs.

    Messages the code no longer uses are not added. Returns how many were written per locale.
    """
    pot = pot if pot is not None else extract()
    written = {}
    for locale, entries in mapping.items():
        catalog = update_from_pot(pot, locale)
        count = 0
        for key, text in entries.items():
            context, _, msgid = key.rpartition(CTX_SEP)
            context = context or None
            entry = catalog.get(msgid, context=context)
            if entry is None or not text:
                continue
            if isinstance(entry.id, (list, tuple)):
                # CLDR (Babel >= 2.17) gives es and pt a third form, "many" (1 000 000): it
                # reads as "other", so forms not given repeat the last one.
                given = list(text) if isinstance(text, list) else [text]
                forms = max(catalog.num_plurals, len(given))
                entry.string = tuple(given + given[-1:] * (forms - len(given)))
            else:
                entry.string = text
            entry.flags.discard("fuzzy")
            count += 1
        write_catalog(catalog, LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po")
        written[locale] = count
    return written


def seed_glossary(pot: Catalog | None = None) -> dict[str, int]:
    from partnerhub_core.i18n.glossary import all_terms

    terms = all_terms()
    return apply(
        {locale: {_key_text(t.context, t.msgid): t.in_(locale) for t in terms} for locale in TRANSLATED},
        pot=pot,
    )


def write_pot(pot: Catalog, path: Path = POT) -> None:
    buf = io.BytesIO()
    write_po(buf, pot, omit_header=False, sort_output=True, no_location=True, width=100)
    path.write_bytes(buf.getvalue())


def missing(locales: Iterable[str] = TRANSLATED) -> dict[str, dict[str, str]]:
    pot = extract()
    return {locale: {_key_text(c, m): "" for c, m in untranslated(pot, read_catalog(locale))}
            for locale in locales}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "check"
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)", file=sys.stderr)
        return 1 if found else 0
    if command == "missing":
        print(json.dumps(missing(argv[1:] or TRANSLATED), ensure_ascii=False, indent=1))
        return 0
    if command == "apply" and len(argv) == 2:
        mapping = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        print(apply(mapping))
        return 0
    if command == "seed-glossary":
        pot = extract()
        write_pot(pot)
        print(seed_glossary(pot))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

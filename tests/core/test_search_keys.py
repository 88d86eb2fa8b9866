"""Search folds Latin letters that do not decompose (Ł, Ø, Æ, Đ, Œ, ß, Þ, ı), and
`partnerhub db upgrade` rewrites keys stored before it did, so old rows are found too."""
import unicodedata
from datetime import date

import pytest
from sqlmodel import select

from partnerhub_core import search_keys
from partnerhub_core.auth import Actor
from partnerhub_core.customers import lookup_customer
from partnerhub_core.models import Customer, Tag, search_key
from tests.factories import make_customer, make_partner, make_tag

AS_OF = date(2026, 3, 14)

# (name, what a person types on an English keyboard, its key)
NAMES = [
    ("Łódź Bank", "lodz bank", "lodz bank"),            # Polish
    ("Øresund Shipping", "oresund", "oresund shipping"),  # Danish / Norwegian
    ("Ærø Færger", "aero faerger", "aero faerger"),      # Danish
    ("Đakovo Mlin", "dakovo", "dakovo mlin"),            # Croatian
    ("Œuvre Sociale", "oeuvre sociale", "oeuvre sociale"),  # French
    ("Straße & Söhne", "strasse", "strasse & sohne"),    # German
    ("Þór Útgerð", "thor utgerd", "thor utgerd"),        # Icelandic
    ("Işık Yazılım", "isik yazilim", "isik yazilim"),    # Turkish
    ("Ħamrun Spartans", "hamrun", "hamrun spartans"),   # Maltese
    ("Ŋgaŋ Ŧool", "ngan tool", "ngan tool"),            # Sámi
    ("São Paulo Logística", "sao paulo", "sao paulo logistica"),  # Portuguese: still by NFKD
]


def old_search_key(text: str) -> str:
    """search_key as it was before the transliteration table: combining marks only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


@pytest.mark.parametrize("name, typed, key", NAMES)
def test_search_key_folds_letters_that_do_not_decompose(name, typed, key):
    assert search_key(name) == key
    assert search_key(typed) in key
    assert search_key(name.upper()) == key  # Ł and ł, Ø and ø fold alike


def look(session, settings, partner, query):
    return lookup_customer(session=session, actor=Actor.system(partner.id, label="test"), query=query,
                           as_of=AS_OF, settings=settings)


def test_lookup_finds_names_from_latin_script_languages(session, settings):
    p = make_partner(session)
    for i, (name, _, _) in enumerate(NAMES):
        make_customer(session, p, name, org_id=f"ORG-{i}")
    for i, (name, typed, _) in enumerate(NAMES):
        card = look(session, settings, p, typed)
        assert (card.name, card.org_id) == (name, f"ORG-{i}"), typed
    assert look(session, settings, p, "ŁÓDŹ BANK").name == "Łódź Bank"  # typed with the letters too


def test_upgrade_rewrites_keys_stored_by_the_old_folding(session, settings, engine):
    p = make_partner(session)
    lodz = make_customer(session, p, "Łódź Bank", org_id="ORG-LODZ")
    plain = make_customer(session, p, "Acme", org_id="ORG-ACME")
    lodz.name_key = old_search_key(lodz.name)
    assert lodz.name_key == "łodz bank"  # what a database made before the table holds
    make_tag(session, p, "Lx")
    # stored the old way: "Łx" is one the new folding makes equal to "Lx"
    session.add_all([Tag(partner_id=p.id, name="Łx", name_key=old_search_key("Łx")),
                     Tag(partner_id=p.id, name="Ærø", name_key=old_search_key("Ærø"))])
    session.commit()

    assert search_keys.refresh(engine) == 2  # Łódź Bank and Ærø; "Łx" keeps its key
    assert search_keys.refresh(engine) == 0  # a second run changes nothing
    session.expire_all()
    keys = dict(session.exec(select(Customer.org_id, Customer.name_key).where(Customer.partner_id == p.id)).all())
    assert keys == {"ORG-LODZ": "lodz bank", "ORG-ACME": "acme"}
    assert dict(session.exec(select(Tag.name, Tag.name_key).where(Tag.partner_id == p.id)).all()) == {
        "Lx": "lx", "Łx": "łx", "Ærø": "aero"}
    assert look(session, settings, p, "lodz bank").org_id == "ORG-LODZ"
    assert plain.name_key == "acme"


def test_the_db_upgrade_command_rewrites_old_keys(tmp_path):
    """The real `partnerhub db upgrade`, twice: once to make the schema, once after a row
    was stored the old way."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sqlmodel import Session, create_engine

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    cli = [str(Path(sys.executable).parent / "partnerhub"), "db", "upgrade", "--database-url", url]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERHUB_", "SLACK_")) and k != "DATABASE_URL"}
    subprocess.run(cli, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    engine = create_engine(url)
    with Session(engine) as s:
        c = make_customer(s, make_partner(s), "Łódź Bank", org_id="ORG-LODZ")
        c.name_key = old_search_key(c.name)
        s.commit()
    subprocess.run(cli, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    with Session(engine) as s:
        assert s.exec(select(Customer.name_key)).all() == ["lodz bank"]
    engine.dispose()

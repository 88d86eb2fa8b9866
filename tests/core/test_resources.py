"""F27 catalog: quick links, featured, search with filters, helpdesk."""
import pytest

from partnerhub_core import resources
from partnerhub_core.errors import BadInput
from partnerhub_core.resources import Category


def test_quick_links_and_featured():
    assert [r.key for r in resources.quick_links()] == ["partner-hub", "help-center", "status", "developer"]
    assert [r.key for r in resources.featured()] == ["get-started", "admin-roles", "trials", "contact-center-start"]


def test_every_url_is_a_public_https_cisco_page_and_keys_are_unique():
    assert len({r.key for r in resources.CATALOG}) == len(resources.CATALOG)
    for r in resources.CATALOG:
        assert r.url.startswith("https://") and any(
            host in r.url for host in ("webex.com", "cisco.com")), r.url


def test_search_needs_every_word_and_lists_featured_first():
    assert [r.key for r in resources.search("trial")] == ["trials", "contact-center-start", "manage-trial"]
    assert [r.key for r in resources.search("extend trial")] == ["manage-trial"]
    assert [r.key for r in resources.search("TRIAL", category=Category.CONTACT_CENTER)] == ["contact-center-start"]
    assert resources.search("no such words") == []


def test_search_matches_accents_and_translated_titles():
    translations = {"Start and manage Webex trials": "Iniciar e gerenciar avaliações do Webex"}
    hits = resources.search("avaliacoes", text_of=lambda s: translations.get(s, s))
    assert [r.key for r in hits] == ["trials"]


def test_category_words_and_helpdesk():
    assert resources.parse_category("cc") == Category.CONTACT_CENTER
    assert resources.parse_category("Getting-Started") == Category.GETTING_STARTED
    with pytest.raises(BadInput, match="Unknown category"):
        resources.parse_category("mars")
    desk = resources.helpdesk("calling")
    assert list(desk) == ["calling"]
    assert [r.key for r in desk["calling"]] == ["status", "support-case", "support-contacts"]
    assert list(resources.helpdesk()) == ["calling", "contact_center"]
    with pytest.raises(BadInput):
        resources.helpdesk("meetings")

"""Resources & help (SPEC F27): quick links, featured resources, a search with filters,
and where to reach the partner helpdesk for Webex Calling and Contact Center.

A small curated catalog of public Cisco pages. Titles and descriptions are message ids
(``N_``): the outer layer translates them; the pages themselves are Cisco's, in English
(help.webex.com offers its own language switch).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import search_key


class Category(StrEnum):
    GETTING_STARTED = "getting_started"
    ADMINS = "admins"
    CUSTOMERS = "customers"
    TRIALS = "trials"
    CALLING = "calling"
    CONTACT_CENTER = "contact_center"
    DEVELOPERS = "developers"
    SUPPORT = "support"


CATEGORY_LABELS = {
    Category.GETTING_STARTED: N_("Getting started"),
    Category.ADMINS: N_("Administrators and roles"),
    Category.CUSTOMERS: N_("Customers"),
    Category.TRIALS: N_("Trials"),
    Category.CALLING: N_("Webex Calling"),
    Category.CONTACT_CENTER: N_("Contact Center"),
    Category.DEVELOPERS: N_("Developers and APIs"),
    Category.SUPPORT: N_("Support"),
}


@dataclass(frozen=True)
class Resource:
    key: str
    title: str  # msgid
    url: str
    description: str  # msgid
    categories: tuple[Category, ...]
    keywords: tuple[str, ...] = ()
    featured: bool = False
    quick_link: bool = False


CATALOG: tuple[Resource, ...] = (
    Resource("partner-hub", N_("Partner Hub"), "https://admin.webex.com",
             N_("Sign in to Partner Hub to manage every customer organization."),
             (Category.GETTING_STARTED,), ("admin", "control hub", "sign in"), quick_link=True),
    Resource("help-center", N_("Webex Help Center"), "https://help.webex.com",
             N_("Articles, videos and guides for every Webex product."),
             (Category.SUPPORT,), ("documentation", "articles", "help"), quick_link=True),
    Resource("status", N_("Webex service status"), "https://status.webex.com",
             N_("Live status of Webex services and scheduled maintenance."),
             (Category.SUPPORT,), ("outage", "incident", "maintenance", "status"), quick_link=True),
    Resource("developer", N_("Webex for Developers"), "https://developer.webex.com",
             N_("REST APIs, SDKs and guides for integrations and bots."),
             (Category.DEVELOPERS,), ("api", "sdk", "rest", "integration"), quick_link=True),
    Resource("get-started", N_("Get started with Partner Hub"),
             "https://help.webex.com/en-us/article/c3q9lz/Get-Started-with-a-Partner-Organization",
             N_("Set up your partner organization, the customer list and its statuses."),
             (Category.GETTING_STARTED, Category.CUSTOMERS), ("first time", "setup", "wizard", "statuses", "kpi"),
             featured=True),
    Resource("admin-roles", N_("Assign administrator roles in Partner Hub"),
             "https://help.webex.com/en-us/article/16gmxfb/Assign-administrator-roles-in-Partner-Hub",
             N_("Partner full administrator, partner administrator, read-only and help desk roles."),
             (Category.ADMINS,), ("roles", "full admin", "read-only", "sales admin", "permissions"), featured=True),
    Resource("wholesale-roles", N_("Partner administrator roles for Webex for BroadWorks and Wholesale"),
             "https://help.webex.com/en-us/article/2y8qmt/Assign-Administration-Roles-and-Access-for-Partners",
             N_("Partner management and customer management roles for service providers."),
             (Category.ADMINS, Category.CALLING), ("broadworks", "wholesale", "service provider", "roles")),
    Resource("trials", N_("Start and manage Webex trials"),
             "https://help.webex.com/en-us/npv2y12/Set-Up-a-Cisco-Webex-Trials-Program-for-Customers",
             N_("Start a customer trial of Meetings, Calling or Messaging from Partner Hub."),
             (Category.TRIALS, Category.CALLING), ("trial", "start trial", "meetings", "calling"), featured=True),
    Resource("manage-trial", N_("Manage an established trial"),
             "https://help.webex.com/en-us/ns70c1m/Manage-an-Established-Cisco-Webex-Services-Enterprise-Trial",
             N_("Extend a trial, add or remove services, convert a trial to a paid order."),
             (Category.TRIALS,), ("extend", "convert", "order", "ccw")),
    Resource("wholesale-customers", N_("Manage Wholesale customers through Partner Hub"),
             "https://help.webex.com/en-us/article/nil4lpeb",
             N_("Provision customer organizations and users, in Partner Hub or by CSV."),
             (Category.CUSTOMERS, Category.CALLING), ("wholesale", "provision", "csv", "users", "launch control hub")),
    Resource("branding", N_("Customize branding for customers"),
             "https://help.webex.com/en-us/n0cswhcb/Customize-Branding-for-Customers",
             N_("Logos, colors and support URLs in Webex App for the customers you manage."),
             (Category.CUSTOMERS,), ("branding", "logo", "colors")),
    Resource("contact-center-start", N_("Get started with Webex Contact Center"),
             "https://help.webex.com/en-us/article/nee1mb6/Get-Started-with-Cisco-Webex-Contact-Center-or-Cloud-Connect",
             N_("Set up Contact Center services for trials and subscription orders."),
             (Category.CONTACT_CENTER, Category.TRIALS), ("contact center", "wxcc", "setup wizard"), featured=True),
    Resource("contact-center-guide", N_("Webex Contact Center setup and administration guide"),
             "https://help.webex.com/en-us/article/n5595zd/Webex-Contact-Center-Setup-and-Administration-Guide",
             N_("Entry points, queues, routing, recording and the management portal."),
             (Category.CONTACT_CENTER,), ("queues", "entry point", "routing", "agents", "recording")),
    Resource("partner-tags-api", N_("Partner Tags API"), "https://developer.webex.com/docs/api/v1/partner-tags",
             N_("Create customer and subscription tags and list customers by tag, by API."),
             (Category.DEVELOPERS, Category.CUSTOMERS), ("tags", "api")),
    Resource("support-case", N_("Cisco Support Case Manager"), "https://mycase.cloudapps.cisco.com/case",
             N_("Open and follow a Cisco TAC case (Webex Calling, Contact Center and more)."),
             (Category.SUPPORT, Category.CALLING, Category.CONTACT_CENTER), ("tac", "case", "ticket", "helpdesk")),
    Resource("support-contacts", N_("Cisco worldwide support contacts"),
             "https://www.cisco.com/c/en/us/support/web/tsd-cisco-worldwide-contacts.html",
             N_("Phone numbers of Cisco TAC by country, for urgent (severity 1 and 2) problems."),
             (Category.SUPPORT, Category.CALLING, Category.CONTACT_CENTER), ("phone", "tac", "urgent", "helpdesk")),
)

# Where the partner helpdesk answers, per product (F27): open a case online, call for
# outages, check the status page first.
HELPDESK: dict[str, tuple[str, ...]] = {
    "calling": ("status", "support-case", "support-contacts"),
    "contact_center": ("status", "support-case", "support-contacts"),
}
HELPDESK_LABELS = {"calling": N_("Webex Calling"), "contact_center": N_("Webex Contact Center")}

MAX_RESULTS = 10


def by_key(key: str) -> Resource:
    for resource in CATALOG:
        if resource.key == key:
            return resource
    raise KeyError(key)


def quick_links() -> list[Resource]:
    return [r for r in CATALOG if r.quick_link]


def featured() -> list[Resource]:
    return [r for r in CATALOG if r.featured]


def helpdesk(product: str | None = None) -> dict[str, list[Resource]]:
    """Helpdesk resources per product (``calling``, ``contact_center``), or one of them."""
    products = [product] if product else list(HELPDESK)
    unknown = [p for p in products if p not in HELPDESK]
    if unknown:
        raise BadInput(N_("Helpdesk products are: {choices}."), choices=", ".join(HELPDESK))
    return {p: [by_key(k) for k in HELPDESK[p]] for p in products}


def parse_category(word: str) -> Category:
    key = search_key(word).replace(" ", "_").replace("-", "_")
    aliases = {"start": "getting_started", "roles": "admins", "admin": "admins", "cc": "contact_center",
               "contact": "contact_center", "dev": "developers", "api": "developers", "help": "support",
               "trial": "trials", "customer": "customers"}
    key = aliases.get(key, key)
    try:
        return Category(key)
    except ValueError:
        raise BadInput(N_("Unknown category “{word}”. Categories: {choices}."), word=word,
                       choices=", ".join(c.value for c in Category)) from None


def search(query: str = "", *, category: Category | None = None, text_of=lambda s: s) -> list[Resource]:
    """Resources whose title, description or keywords hold every word of ``query``.

    ``text_of`` translates a msgid, so that a Portuguese or Spanish query matches the
    translated titles as well as the English ones. Featured resources come first.
    """
    words = search_key(query).split()
    hits = []
    for resource in CATALOG:
        if category is not None and category not in resource.categories:
            continue
        haystack = search_key(" ".join((
            resource.title, resource.description, text_of(resource.title), text_of(resource.description),
            " ".join(resource.keywords), " ".join(c.value.replace("_", " ") for c in resource.categories),
        )))
        if all(word in haystack for word in words):
            hits.append(resource)
    hits.sort(key=lambda r: (not r.featured, CATALOG.index(r)))
    return hits[:MAX_RESULTS]

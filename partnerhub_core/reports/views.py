"""The downloadable tables people are shown (issue 17, item 8), built as ``tables.Table``:
the customer list (any F4 filters, a tag's customers included), the partner admins, the
calling quality by endpoint type, and the audit trail.

Each builder reads through the same scoped service the chat answer and the CLI use, so
a file holds exactly the rows the person may see, every row (not one page), with
headers and words (statuses, regions, products, roles) in ``locale``. Slack
(``bot/table_files.py``) and the CLI (``--format csv|xlsx``) write them with
``tables.export_table``.
"""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from partnerhub_core.auth import ROLE_LABELS, Actor
from partnerhub_core.i18n import N_, format_number, translations
from partnerhub_core.i18n.glossary import region_label, status_label
from partnerhub_core.reports.tables import BOOL, DATE, INT, Table, TableColumn, from_section
from partnerhub_core.settings import Settings

MAX_CUSTOMER_ROWS = 20_000  # a file of the customer list stops here (and says so)

CUSTOMER_HEADERS = (N_("Customer"), N_("Customer Org ID"), N_("Region"), N_("Statuses"), N_("Products"),
                    N_("Tags"), N_("Next end date"))
ADMIN_HEADERS = (N_("Name"), N_("Email"), N_("Role"), N_("All customers"), N_("Assigned customers"))


def customers_table(*, session: Session, actor: Actor, filters, as_of: date, settings: Settings,
                    locale: str = "en", max_rows: int = MAX_CUSTOMER_ROWS) -> Table:
    """Every customer matching ``filters`` (``customers.CustomerFilters``) the actor may see,
    by name, as the list shows them (one row each, not one page)."""
    from partnerhub_core.customers import MAX_PAGE_SIZE, list_customers
    from partnerhub_core.services.trials import PRODUCT_LABELS

    _ = translations(locale).gettext
    rows: list[list] = []
    page, total = 1, 0
    while True:
        result = list_customers(session=session, actor=actor, filters=filters, as_of=as_of, settings=settings,
                                page=page, page_size=MAX_PAGE_SIZE)
        total = result.total
        for item in result.items:
            rows.append([
                item.name, item.org_id, region_label(item.region, locale),
                ", ".join(status_label(s, locale) for s in item.statuses),
                ", ".join(_(PRODUCT_LABELS[p]) if p in PRODUCT_LABELS else p for p in item.products),
                ", ".join(item.tags), item.next_end_date,
            ])
        if page >= result.pages or len(rows) >= max_rows:
            break
        page += 1
    notes = []
    if total > len(rows[:max_rows]):
        notes.append(_("The file stops at {rows} of {total} customers: narrow the filters.").format(
            rows=format_number(max_rows, locale), total=format_number(total, locale)))
    title = _("Customers tagged {tag}").format(tag=filters.tag) if filters.tag else _("Customers")
    kinds = [None] * 6 + [DATE]
    return Table(title, [TableColumn(_(h), k or "text") for h, k in zip(CUSTOMER_HEADERS, kinds)],
                 rows[:max_rows], notes)


def admins_table(*, session: Session, actor: Actor, locale: str = "en") -> Table:
    """Every partner admin with email, role and scope (the admins list)."""
    from partnerhub_core.models import Role
    from partnerhub_core.services.admins import list_partner_admins

    _ = translations(locale).gettext
    rows = [[a.display_name, a.email, _(ROLE_LABELS[a.role]) if a.role in ROLE_LABELS else str(a.role),
             a.role == Role.FULL_ADMIN or a.all_customers, a.customers]
            for a in list_partner_admins(session=session, actor=actor)]
    kinds = ["text", "text", "text", BOOL, INT]
    return Table(_("Partner admins"), [TableColumn(_(h), k) for h, k in zip(ADMIN_HEADERS, kinds)], rows)


def endpoint_table(section, locale: str = "en") -> Table | None:
    """Call quality by endpoint type (the quality view's second table); None when the
    view has none. Endpoint names are translated; unknown figures read "—"."""
    if section.breakdown is None or not section.breakdown_columns:
        return None
    _ = translations(locale).gettext
    columns = section.breakdown_columns
    records = section.to_dict()["breakdown"]["rows"]
    for record in records:
        if isinstance(record.get("endpoint"), str):
            record["endpoint"] = _(record["endpoint"])
    table = from_section(section, locale, columns=columns, records=records)
    table.title = _("{title} by endpoint type").format(title=section.heading(_))
    return table


def audit_table(page, locale: str = "en") -> Table:
    """The audit rows read (``audit_view.read_trail``) as people read them, newest first."""
    from partnerhub_core.audit_view import HEADERS, cells

    _ = translations(locale).gettext
    return Table(_("Audit trail"), [TableColumn(_(h)) for h in HEADERS], [cells(r, _) for r in page.rows])

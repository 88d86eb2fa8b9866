"""The subscription file's layout: its columns, how each value is read and checked, and
how a subscription line is written back in the same layout (``export_row``).

``docs/IMPORT.md`` documents every column with an example file
(``docs/examples/subscriptions.csv``); keep the three in step.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import PaymentState, Product, ProvisioningState, Region
from partnerhub_core.reports.csvout import FORMULA_STARTS

COLUMNS = ("customer_org_id", "customer_name", "subscription_id", "product", "licenses", "start_date",
           "end_date", "auto_renew", "status", "provisioned", "paid", "cancelled_on", "invoice", "region",
           "external_id", "order_ref", "order_date", "order_quantity")
REQUIRED = ("customer_org_id", "subscription_id", "product", "licenses", "start_date", "status")
STATUSES = ("active", "trial", "pending", "suspended", "cancelled")
# Licence and order counts fit the database's integer column with room to spare; a
# larger number is a typo (or a test of us), reported on its line.
MAX_COUNT = 10_000_000
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() accepts "²" and "١"

# Product names a person may type: our keys, Webex's names, and the guide's names in
# English, Portuguese and Spanish (case, spaces, hyphens and underscores do not matter).
_PRODUCT_WORDS = {
    **{p.value.replace("_", " "): p for p in Product},
    "meeting": Product.MEETINGS, "webex meetings": Product.MEETINGS, "reuniões": Product.MEETINGS,
    "reuniones": Product.MEETINGS, "webex reuniões": Product.MEETINGS, "webex reuniones": Product.MEETINGS,
    "webex calling": Product.CALLING, "chamadas": Product.CALLING, "llamadas": Product.CALLING,
    "webex messaging": Product.MESSAGING, "mensagens": Product.MESSAGING, "mensajería": Product.MESSAGING,
    "webinar": Product.WEBINARS, "webex webinars": Product.WEBINARS,
    "contact center": Product.CONTACT_CENTER, "webex contact center": Product.CONTACT_CENTER,
    "translations": Product.REAL_TIME_TRANSLATIONS, "real time translations": Product.REAL_TIME_TRANSLATIONS,
    "real time translation": Product.REAL_TIME_TRANSLATIONS,
    "webex real time translations": Product.REAL_TIME_TRANSLATIONS,
    "traduções em tempo real": Product.REAL_TIME_TRANSLATIONS, "traduções": Product.REAL_TIME_TRANSLATIONS,
    "traducciones en tiempo real": Product.REAL_TIME_TRANSLATIONS,
    "traducciones": Product.REAL_TIME_TRANSLATIONS,
}
_YES = {"yes", "y", "true", "1", "sim", "si", "sí"}
_NO = {"no", "n", "false", "0", "não", "nao"}


def product_of(text: str) -> Product | None:
    return _PRODUCT_WORDS.get(" ".join(text.lower().replace("_", " ").replace("-", " ").split()))


@dataclass
class Row:
    line: int
    org_id: str
    customer_name: str
    subscription_id: str
    product: str
    licenses: int
    start: date
    end: date | None
    auto_renew: bool
    status: str
    provisioned: bool
    paid: bool
    cancelled_on: date | None
    invoice: str | None
    region: str | None
    external_id: str | None
    order_ref: str | None
    order_date: date | None
    order_quantity: int

    @property
    def key(self) -> tuple[str, str]:
        return self.subscription_id, self.product

    def subscription_facts(self) -> tuple:
        """What a repeated row of the same subscription must agree on (order lines may differ)."""
        return (self.org_id, self.licenses, self.start, self.end, self.auto_renew, self.status, self.provisioned,
                self.paid, self.cancelled_on, self.invoice)


# ---------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------
def norm_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _text_lines(raw: IO[bytes], file_name: str) -> Iterator[str]:
    """The file's lines as text, decoded one by one so that a Latin-1 (or other non-UTF-8)
    byte is reported on its own line. A UTF-8 BOM at the start is dropped."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(N_("{file} is not UTF-8 text: line {line} holds bytes of another encoding "
                              "(Latin-1?). Save it as \"CSV UTF-8\" and import it again."),
                           file=file_name, line=number) from None


def records(raw: IO[bytes], file_name: str, required: tuple[str, ...] = REQUIRED
            ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """(normalised header, iterator of (line number, row dict)). Raises BadInput for a file
    that is not UTF-8 or has no header. ``required``: the subscription layout's columns;
    the Partner Hub export import passes () and recognises the layout itself."""
    text = _text_lines(raw, file_name)
    first = next(text, "")
    if not first.strip():
        raise BadInput(N_("{file} is empty: the first line must name the columns."), file=file_name or "The file")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [norm_header(h) for h in next(csv.reader([first], delimiter=delimiter))]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadInput(N_("{file} lacks the column(s) {missing}. Expected columns: {expected}."),
                       file=file_name or "The file", missing=", ".join(missing), expected=", ".join(COLUMNS))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise BadInput(N_("{file} names the column(s) {columns} twice."), file=file_name or "The file",
                       columns=", ".join(dupes))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        line = 1  # the header
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BadInput(N_("{file}, line {line}: the CSV cannot be read ({error})."),
                               file=file_name or "The file", line=line + reader.line_num, error=str(exc)) from None
            start = line + 1
            line = 1 + reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves some at the end)
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                yield start, {"__extra__": "x"}
                continue
            yield start, {h: (_cell(values[i]) if i < len(values) else "") for i, h in enumerate(header)}

    return header, rows()


def _cell(value: str) -> str:
    """A cell as typed: spaces around it dropped, and the apostrophe our CSV files put
    before a formula-like text (``'=A1``, see ``reports/csvout.py``) removed."""
    if value.startswith("'") and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return value.strip()


def _date(value: str, column: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{column} \"{value[:40]}\" is not a date (YYYY-MM-DD)")
        return None


def _count(rec: dict[str, str], column: str, errors: list[str]) -> int:
    value = rec.get(column, "")
    if not value:
        return 0
    if _DIGITS.fullmatch(value) and int(value) <= MAX_COUNT:
        return int(value)
    errors.append(f"{column} \"{value[:20]}\" is not a whole number from 0 to {MAX_COUNT}")
    return 0


def _yes_no(rec: dict[str, str], column: str, errors: list[str]) -> bool | None:
    """True / False, or None when the column is absent or empty."""
    text = rec.get(column, "").lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.append(f"{column} \"{rec[column][:20]}\" is not yes or no")
    return None


def parse_row(line: int, rec: dict[str, str], known_orgs: set[str]) -> tuple[Row | None, list[str]]:
    if "__extra__" in rec:
        return None, ["more values than columns (a comma inside a value needs quotes)"]
    errors: list[str] = []
    # PostgreSQL refuses NUL in text; no other control character belongs in a CSV cell.
    bad_chars = [c for c, v in rec.items() if any(ch < " " and ch not in "\t\n\r" for ch in v)]
    if bad_chars:
        return None, [f"{', '.join(bad_chars)} holds a control character (NUL?): retype the value"]
    for column in REQUIRED:
        if not rec.get(column):
            errors.append(f"{column} is empty")
    org = rec.get("customer_org_id", "")
    name = rec.get("customer_name", "")
    if org and org not in known_orgs and not name:
        errors.append("customer_name is needed for a customer partnerhub does not know yet")
    if len(org) > 200 or len(rec.get("subscription_id", "")) > 200 or len(name) > 300:
        errors.append("a value is too long (ids: 200 characters, names: 300)")
    product = None
    if rec.get("product"):
        product = product_of(rec["product"])
        if product is None:
            errors.append(f"product \"{rec['product'][:40]}\" is not one of {', '.join(p.value for p in Product)}")
    licenses = _count(rec, "licenses", errors)
    start = _date(rec.get("start_date", ""), "start_date", errors)
    end = _date(rec.get("end_date", ""), "end_date", errors)
    if start and end and end < start:
        errors.append("end_date is before start_date")
    auto_renew = _yes_no(rec, "auto_renew", errors)
    status = rec.get("status", "").lower()
    if status and status not in STATUSES:
        errors.append(f"status \"{rec['status'][:20]}\" is not one of {', '.join(STATUSES)}")
    # provisioned / paid say what one status word cannot ("a trial not yet provisioned",
    # "pending and unpaid"); without them the status decides, as before.
    provisioned = _yes_no(rec, "provisioned", errors)
    paid = _yes_no(rec, "paid", errors)
    if status == "pending" and provisioned:
        errors.append("status pending means not provisioned, but provisioned is yes")
    if status == "suspended" and paid:
        errors.append("status suspended means unpaid, but paid is yes")
    cancelled_on = _date(rec.get("cancelled_on", ""), "cancelled_on", errors)
    if cancelled_on and status != "cancelled":
        errors.append("cancelled_on needs status cancelled")
    region = rec.get("region", "").upper() or None
    if region and region not in {r.value for r in Region}:
        errors.append(f"region \"{rec['region'][:20]}\" is not one of {', '.join(r.value for r in Region)}")
    order_ref = rec.get("order_ref") or None
    order_date = _date(rec.get("order_date", ""), "order_date", errors)
    quantity = _count(rec, "order_quantity", errors)
    if order_ref and order_date is None and not rec.get("order_date"):
        errors.append("order_ref needs an order_date")
    if errors:
        return None, errors
    return Row(
        line=line, org_id=org, customer_name=name[:300], subscription_id=rec["subscription_id"],
        product=product.value, licenses=licenses, start=start, end=end, auto_renew=bool(auto_renew),
        status=status, provisioned=(status != "pending") if provisioned is None else provisioned,
        paid=(status != "suspended") if paid is None else paid, cancelled_on=cancelled_on,
        invoice=(rec.get("invoice") or None), region=region,
        external_id=rec.get("external_id") or None, order_ref=order_ref and order_ref[:100],
        order_date=order_date, order_quantity=quantity,
    ), []


def subscription_values(partner_id: int, customer_id: int, row: Row, as_of: date) -> dict:
    """The ``subscription`` table's columns for one row."""
    return dict(
        partner_id=partner_id, customer_id=customer_id, subscription_id=row.subscription_id,
        product=row.product, total_licenses=row.licenses, start_date=row.start, end_date=row.end,
        auto_renew=row.auto_renew, is_trial=row.status == "trial",
        provisioning_state=ProvisioningState.PROVISIONED if row.provisioned else ProvisioningState.PENDING_SETUP,
        payment_state=PaymentState.PAID if row.paid else PaymentState.UNPAID,
        invoice_ref=row.invoice and row.invoice[:100],
        cancelled_on=(row.cancelled_on or row.end or as_of) if row.status == "cancelled" else None,
    )


# ---------------------------------------------------------------------------------
# Writing the same layout
# ---------------------------------------------------------------------------------
def status_word(*, is_trial: bool, provisioning_state: str, payment_state: str, cancelled_on: date | None) -> str:
    """The one status word of a line; ``provisioned`` and ``paid`` carry the rest."""
    if cancelled_on is not None:
        return "cancelled"
    if is_trial:
        return "trial"
    if provisioning_state == ProvisioningState.PENDING_SETUP:
        return "pending"
    if payment_state == PaymentState.UNPAID:
        return "suspended"
    return "active"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def export_row(*, org_id: str, customer_name: str, region: str | None, external_id: str | None,
               sub, order=None) -> list[str]:
    """One line of the layout, in ``COLUMNS`` order, for subscription ``sub`` (and one of its
    order lines): what ``parse_row`` reads back into the same subscription."""
    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    return [
        org_id, customer_name, sub.subscription_id, sub.product, str(sub.total_licenses), day(sub.start_date),
        day(sub.end_date), _yes(sub.auto_renew),
        status_word(is_trial=sub.is_trial, provisioning_state=sub.provisioning_state,
                    payment_state=sub.payment_state, cancelled_on=sub.cancelled_on),
        _yes(sub.provisioning_state != ProvisioningState.PENDING_SETUP),
        _yes(sub.payment_state != PaymentState.UNPAID), day(sub.cancelled_on), sub.invoice_ref or "",
        region or "", external_id or "",
        order.order_ref if order else "", day(order.ordered_on) if order else "",
        str(order.quantity) if order else "",
    ]

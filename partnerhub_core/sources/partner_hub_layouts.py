"""The layouts of the CSV files partners download from Partner Hub (the customer list's
"export to CSV", the devices, phone numbers and call usage reports): which kind a header
row is, and how each row is read and checked.

Header names are the guide's (English, pt-BR and es; see docs/IMPORT.md) and the ones
our own reports write in each language (``reports/definitions.py``), compared after
``norm_header`` (case, spaces and hyphens do not matter). The writing is in
``partner_hub_exports.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from partnerhub_core import i18n
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Region
from partnerhub_core.reports.definitions import DEVICE_COLUMNS, NUMBER_COLUMNS
from partnerhub_core.sources.subscription_rows import REQUIRED as SUBSCRIPTION_COLUMNS
from partnerhub_core.sources.subscription_rows import norm_header
from partnerhub_core.unknown import UNKNOWN

CUSTOMERS, DEVICES, NUMBERS, CALL_USAGE, SUBSCRIPTIONS = (
    "customer list", "devices report", "phone numbers report", "call usage report", "subscriptions")

# The kinds' names for people (Slack's notice); the constants above are their English.
KIND_LABELS = {CUSTOMERS: N_("customer list"), DEVICES: N_("devices report"), NUMBERS: N_("phone numbers report")}

# Field -> the header names the guide gives it (en, pt-BR, es).
_GUIDE_NAMES = {
    "external_id": ("External ID", "ID externa", "ID externo"),
    "customer": ("Customer", "Customer Name", "Cliente", "Nome do cliente", "Nombre del cliente"),
    "customer_org_id": ("Customer Org ID", "Org ID", "ID da organização do cliente", "ID da organização",
                        "ID de la organización del cliente", "ID de la organización"),
    "location_id": ("Location ID", "ID de localização", "ID de ubicación"),
    "location_name": ("Location Name", "Nome da localização", "Nombre de la ubicación"),
    "product": ("Product", "Produto", "Producto"),
    "mac": ("MAC",),
    "firmware": ("Firmware",),
    "phone_number": ("Phone Number", "Número de telefone", "Número de teléfono"),
    "extension": ("Extension", "Ramal", "Extensión"),
    "user_id": ("User ID", "ID do usuário", "ID de usuario"),
    "user_uuid": ("User UUID", "UUID do usuário", "UUID del usuario"),
    "country": ("Country", "País"),
    "pstn_connection": ("PSTN Connection", "Conexão PSTN", "Conexión PSTN"),
    "active": ("Active", "Ativo", "Activo"),
    "user_type": ("User Type", "Tipo de usuário", "Tipo de usuario"),
    "number_type": ("Number Type", "Tipo de número"),
    "region": ("Region", "Região", "Región"),
    "total_calls": ("Total Calls", "Total de chamadas", "Total de llamadas"),
}

# Which fields a header must name to be each kind; the first kind that matches wins, so
# the more specific layouts come first (every layout names a customer and its org id).
SIGNATURES = (
    (NUMBERS, ("customer_org_id", "phone_number", "extension", "pstn_connection")),
    (DEVICES, ("customer_org_id", "mac", "product")),
    (CALL_USAGE, ("total_calls",)),
    (CUSTOMERS, ("customer_org_id", "customer")),
)
MAX_ID, MAX_NAME = 200, 300  # the customer table's lengths, as the subscription import
_MAC = re.compile(r"[0-9A-F]{12}")
_ACTIVE = {"active", "ativo", "activo", "yes", "sim", "sí", "si", "true", "1"}
_INACTIVE = {"inactive", "inativo", "inactivo", "no", "não", "nao", "false", "0"}
# The guide's pt-BR / es words for the owner and number types, stored as the sync stores them.
_USER_TYPES = {"pessoas": "People", "personas": "People", "atendimento automático": "Auto Attendant",
               "operador automático": "Auto Attendant", "linha virtual": "Virtual Line",
               "línea virtual": "Virtual Line", "espaço de trabalho": "Workspace",
               "espacio de trabajo": "Workspace"}
_NUMBER_TYPES = {"principal": "Primary", "secundário": "Secondary", "secundario": "Secondary"}


def _aliases() -> dict[str, str]:
    """Normalised header name -> field."""
    names: dict[str, str] = {}
    for field, labels in _GUIDE_NAMES.items():
        for label in labels:
            names[norm_header(label)] = field
    for column in (*DEVICE_COLUMNS, *NUMBER_COLUMNS):  # what our own reports write, per language
        for locale in i18n.SUPPORTED:
            names.setdefault(norm_header(i18n.gettext(locale, column.label)), column.key)
    return names


ALIASES = _aliases()


def kind_of(header: list[str], file_name: str) -> str:
    """The kind of file a (normalised) header row is; BadInput naming the kinds known."""
    # A subscription file short of a column still goes to its own import, which names
    # the missing columns; these three are in no Partner Hub export.
    if all(c in header for c in SUBSCRIPTION_COLUMNS) or {"subscription_id", "licenses", "start_date"} & set(header):
        return SUBSCRIPTIONS
    fields = {ALIASES.get(h) for h in header}
    for kind, needed in SIGNATURES:
        if all(f in fields for f in needed):
            if kind == CALL_USAGE:
                raise BadInput(N_("{file} is a call usage report: it holds totals per customer and location, "
                                  "not calls, so it cannot be imported. Calls come from Webex's call history "
                                  "(partnerhub sync)."), file=file_name)
            return kind
    raise BadInput(N_("{file} is not a file partnerhub can import: its header row matches none of the kinds it "
                      "knows ({kinds}). Import the file as Partner Hub wrote it, header row included."),
                   file=file_name, kinds=", ".join((CUSTOMERS, DEVICES, NUMBERS, SUBSCRIPTIONS)))


@dataclass
class ExportRow:
    line: int
    org_id: str
    values: dict  # the inventory table's columns (devices, numbers) or the customer's
    key: str = ""  # number key, or the device's MAC
    location_id: str | None = None
    location_name: str = ""
    country: str = ""


def _clean(value: str) -> str:
    return "" if value == UNKNOWN else value  # our reports write "—" for an unknown value


def parse_export_row(kind: str, line: int, rec: dict[str, str]) -> tuple[ExportRow | None, list[str]]:
    """One data row (keys: fields, as ``fields_of`` renamed them) of a file of ``kind``."""
    if "__extra__" in rec:
        return None, ["more values than columns (a comma inside a value needs quotes)"]
    bad_chars = [c for c, v in rec.items() if any(ch < " " and ch not in "\t\n\r" for ch in v)]
    if bad_chars:
        return None, [f"{', '.join(bad_chars)} holds a control character (NUL?): retype the value"]
    rec = {k: _clean(v) for k, v in rec.items()}
    errors: list[str] = []
    org = rec.get("customer_org_id", "")
    if not org:
        errors.append("the customer's org id is empty")
    if len(org) > MAX_ID or len(rec.get("customer", "")) > MAX_NAME or any(
            len(rec.get(f, "")) > MAX_ID for f in ("location_id", "external_id", "user_uuid", "product", "firmware")):
        errors.append("a value is too long (ids: 200 characters, names: 300)")
    if kind == CUSTOMERS:
        row = _customer(line, org, rec, errors)
    elif kind == DEVICES:
        row = _device(line, org, rec, errors)
    else:
        row = _number(line, org, rec, errors)
    return (None, errors) if errors else (row, [])


def _customer(line: int, org: str, rec: dict[str, str], errors: list[str]) -> ExportRow:
    if not rec.get("customer"):
        errors.append("the customer's name is empty")
    region = rec.get("region", "").upper()
    if region and region not in {r.value for r in Region}:
        errors.append(f"region \"{region[:20]}\" is not one of {', '.join(r.value for r in Region)}")
    return ExportRow(line, org, dict(name=rec.get("customer", ""), region=region or None,
                                     external_id=rec.get("external_id") or None), key=org)


def _location(row: ExportRow, rec: dict[str, str]) -> ExportRow:
    row.location_id = rec.get("location_id") or None
    row.location_name = rec.get("location_name", "")[:MAX_NAME]
    return row


def _device(line: int, org: str, rec: dict[str, str], errors: list[str]) -> ExportRow:
    # The report carries no device id; the MAC names a device (Webex's id when a sync
    # already knows the device by its MAC: see partner_hub_exports.py).
    mac = re.sub(r"[:.\-\s]", "", rec.get("mac", "")).upper()
    if not _MAC.fullmatch(mac):
        errors.append(f"MAC \"{rec.get('mac', '')[:40]}\" is not 12 hexadecimal digits" if rec.get("mac")
                      else "MAC is empty: the report names each device by its MAC")
    values = dict(location_id=rec.get("location_id") or None, product=rec.get("product", ""), mac=mac,
                  firmware=rec.get("firmware", ""), phone_number=rec.get("phone_number", "")[:40],
                  extension=rec.get("extension", "")[:20], user_id=rec.get("user_id", "")[:320],
                  user_uuid=rec.get("user_uuid", ""))
    return _location(ExportRow(line, org, values, key=mac), rec)


def _number(line: int, org: str, rec: dict[str, str], errors: list[str]) -> ExportRow:
    number, ext = rec.get("phone_number", ""), rec.get("extension", "")
    if not number and not ext:
        errors.append("phone number and extension are both empty")
    if len(number) > 40 or len(ext) > 20 or len(rec.get("pstn_connection", "")) > 100:
        errors.append("a value is too long (phone number: 40 characters, extension: 20, PSTN connection: 100)")
    active = rec.get("active", "").lower()
    if active and active not in _ACTIVE | _INACTIVE:
        errors.append(f"active \"{rec['active'][:20]}\" is not Active or Inactive")
    country = rec.get("country", "").upper()
    if country and not (country.isascii() and country.isalpha() and 2 <= len(country) <= 3):
        errors.append(f"country \"{rec['country'][:20]}\" is not a country code (BR, US, ...)")
    user_type = rec.get("user_type", "")
    number_type = rec.get("number_type", "")
    values = dict(location_id=rec.get("location_id") or None, phone_number=number, extension=ext,
                  pstn_connection=rec.get("pstn_connection", ""), active=active not in _INACTIVE,
                  user_type=_USER_TYPES.get(user_type.lower(), user_type)[:40],
                  number_type=_NUMBER_TYPES.get(number_type.lower(), number_type)[:20],
                  user_id=rec.get("user_id", "")[:320], user_uuid=rec.get("user_uuid", ""))
    # The same key the numbers sync gives a number (numbers.py), so a sync updates it in place.
    key = number or f"{rec.get('location_id', '')}/{ext}"
    return _location(ExportRow(line, org, values, key=key, country=country), rec)


def fields_of(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """(normalised header name -> field, the header names no field has: ignored)."""
    known = {h: ALIASES[h] for h in header if h in ALIASES}
    return known, [h for h in header if h not in ALIASES]

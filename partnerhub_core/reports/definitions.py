"""The default report templates (SPEC F23–F25): their columns, in SPEC order, and the
query that streams their rows.

Each header label is the SPEC's English column name and a gettext msgid, so the CSV
speaks pt-BR or Spanish when asked. ``rows`` builds one SELECT; ``run_report`` streams
it with ``yield_per`` (a server-side cursor on PostgreSQL), so memory stays flat however
many customers a partner has.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import Select

from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import NUMBER_VALUES
from partnerhub_core.models import CallRollup, Customer, Device, EndpointType, Location, PhoneNumber
from partnerhub_core.provenance import UNKNOWN
from partnerhub_core.rounding import REPORT_MINUTES_DECIMALS, round_half_up, to_decimal


@dataclass(frozen=True)
class ReportColumn:
    key: str
    label: str  # the SPEC's English header, a msgid


@dataclass(frozen=True)
class ReportFilter:
    """What narrows a report: dates (dated reports only), region, customers."""

    start: date | None = None
    end: date | None = None
    region: str | None = None
    customer_ids: frozenset[int] | None = None  # visibility of a partner admin, or a tag


@dataclass(frozen=True)
class ReportDef:
    key: str  # "call-usage", "devices", "numbers"
    name: str  # template name (msgid), the first part of the F21 file name
    columns: tuple[ReportColumn, ...]
    dated: bool  # takes a date range (call usage) or is a point-in-time inventory
    query: Callable[[int, ReportFilter], Select]
    shape: Callable[[Any, Callable[[str], str]], tuple]  # (DB row, gettext) -> values in column order
    source: Any = None  # the table whose rows make the report (its customers are "the data")
    note: str = ""

    def column(self, key_or_label: str) -> ReportColumn | None:
        wanted = key_or_label.strip().casefold()
        return next(
            (c for c in self.columns if c.key == wanted or c.label.casefold() == wanted), None
        )

    def region_query(self, partner_id: int) -> Select:
        """Distinct regions of the customers this report has data for (F22)."""
        holders = select(self.source.customer_id).where(self.source.partner_id == partner_id)
        return select(Customer.region).where(
            Customer.partner_id == partner_id, Customer.id.in_(holders)
        ).distinct()


def _scope(stmt: Select, partner_id: int, flt: ReportFilter) -> Select:
    stmt = stmt.where(Customer.partner_id == partner_id)
    if flt.region:
        stmt = stmt.where(Customer.region == flt.region)
    if flt.customer_ids is not None:
        stmt = stmt.where(Customer.id.in_(sorted(flt.customer_ids)))
    return stmt


# ---------------------------------------------------------------------------------
# F23 call usage details
# ---------------------------------------------------------------------------------
CALL_USAGE_COLUMNS = (
    ReportColumn("customer_name", N_("Customer Name")),
    ReportColumn("org_id", N_("Org ID")),
    ReportColumn("location", N_("Location")),
    ReportColumn("total_calls", N_("Total Calls")),
    ReportColumn("total_call_legs", N_("Total Call Legs")),
    ReportColumn("total_poor_quality_call_legs", N_("Total Poor Quality Call Legs")),
    ReportColumn("call_minutes", N_("Call Minutes")),
    ReportColumn("call_minutes_video", N_("Call Minutes - Video")),
    ReportColumn("call_legs_audio", N_("Call Legs - Audio")),
    ReportColumn("call_legs_video", N_("Call Legs - Video")),
    ReportColumn("call_legs_desk_phone", N_("Call Legs - Desk Phone")),
    ReportColumn("call_legs_room_device", N_("Call Legs - Room Device")),
    ReportColumn("call_legs_other_devices", N_("Call Legs - Other Devices")),
    ReportColumn("hunt_group_calls", N_("Calls - Hunt Group Calls")),
    ReportColumn("auto_attendant_calls", N_("Calls - Auto Attendant Calls")),
    ReportColumn("call_queue_total_calls", N_("Call Queue - Total Calls")),
    ReportColumn("call_queue_timed_out_calls", N_("Call Queue - Timed Out Calls")),
    ReportColumn("call_queue_overflow_calls", N_("Call Queue - Overflow Calls")),
    ReportColumn("call_queue_transferred_calls", N_("Call Queue - Transferred Calls")),
    ReportColumn("call_queue_abandoned_calls", N_("Call Queue - Abandoned Calls")),
)


def _legs_of(endpoint: EndpointType):
    return func.sum(case((CallRollup.endpoint_type == str(endpoint), CallRollup.legs), else_=0))


def _call_usage_query(partner_id: int, flt: ReportFilter) -> Select:
    r = CallRollup
    stmt = (
        select(
            Customer.id.label("customer_pk"),
            Customer.name,
            Customer.org_id,
            func.coalesce(func.nullif(func.max(r.location_name), ""), r.location_id),
            func.sum(r.calls),
            func.sum(r.legs),
            func.sum(r.poor_legs),
            func.sum(r.duration_s),
            func.sum(r.video_s),
            func.sum(r.audio_legs),
            func.sum(r.video_legs),
            _legs_of(EndpointType.DESK_PHONE),
            _legs_of(EndpointType.ROOM_DEVICE),
            _legs_of(EndpointType.OTHER),
            func.sum(r.hunt_group_calls),
            func.sum(r.auto_attendant_calls),
            func.sum(r.queue_calls),
            func.sum(r.queue_timed_out),
            func.sum(r.queue_overflowed),
            func.sum(r.queue_transferred),
            func.sum(r.queue_abandoned),
            func.sum(r.legs_with_media),
        )
        .join(Customer, Customer.id == r.customer_id)
        .where(r.partner_id == partner_id)
        .group_by(Customer.id, Customer.name, Customer.org_id, r.location_id)
        .order_by(Customer.name, Customer.org_id, r.location_id)
    )
    if flt.start:
        stmt = stmt.where(r.day >= flt.start)
    if flt.end:
        stmt = stmt.where(r.day <= flt.end)
    return _scope(stmt, partner_id, flt)


def _minutes(seconds: Any) -> float:
    # Exact seconds ÷ 60, half-up to the reports' decimals (rounding.py), not float round().
    return float(round_half_up(to_decimal(seconds or 0) / 60, REPORT_MINUTES_DECIMALS))


def _call_usage_shape(row: Any, _gettext) -> tuple:
    (_pk, name, org, location, calls, legs, poor, dur, video, audio_legs, video_legs,
     desk, room, other, hunt, aa, q_total, q_timeout, q_overflow, q_transfer, q_abandon, media) = row
    # Poor quality, video and the audio/video split need media figures, which the call
    # history feed does not carry: without any leg that reported them they are unknown ("—"),
    # not 0 (and not "every leg was audio").
    known = bool(media)
    poor_cell = int(poor or 0) if known else UNKNOWN
    video_minutes = _minutes(video) if known else UNKNOWN
    split = [int(v or 0) if known else UNKNOWN for v in (audio_legs, video_legs)]
    rest = [int(v or 0) for v in (desk, room, other, hunt, aa, q_total, q_timeout, q_overflow, q_transfer, q_abandon)]
    return (name, org, location, int(calls or 0), int(legs or 0), poor_cell, _minutes(dur), video_minutes,
            *split, *rest)


# ---------------------------------------------------------------------------------
# F24 devices
# ---------------------------------------------------------------------------------
DEVICE_COLUMNS = (
    ReportColumn("external_id", N_("External ID")),
    ReportColumn("customer", N_("Customer")),
    ReportColumn("customer_org_id", N_("Customer Org ID")),
    ReportColumn("location_id", N_("Location ID")),
    ReportColumn("location_name", N_("Location Name")),
    ReportColumn("product", N_("Product")),
    ReportColumn("mac", N_("MAC")),
    ReportColumn("firmware", N_("Firmware")),
    ReportColumn("phone_number", N_("Phone Number")),
    ReportColumn("extension", N_("Extension")),
    ReportColumn("user_id", N_("User ID")),
    ReportColumn("user_uuid", N_("User UUID")),
)


def _location_join(location_id_col):
    return and_(Location.partner_id == Customer.partner_id, Location.location_id == location_id_col)


def _devices_query(partner_id: int, flt: ReportFilter) -> Select:
    d = Device
    stmt = (
        select(
            Customer.id.label("customer_pk"), Customer.external_id, Customer.name, Customer.org_id,
            d.location_id, Location.name, d.product, d.mac, d.firmware, d.phone_number,
            d.extension, d.user_id, d.user_uuid,
        )
        .join(Customer, Customer.id == d.customer_id)
        .outerjoin(Location, _location_join(d.location_id))
        .where(d.partner_id == partner_id)
        .order_by(Customer.name, Customer.org_id, Location.name, d.mac, d.id)
    )
    return _scope(stmt, partner_id, flt)


def _devices_shape(row: Any, _gettext) -> tuple:
    _pk, external_id, *rest = row
    out = [v if v is not None else "" for v in rest]
    if out[-1] and not out[-2]:  # an owner whose email the people source did not give: unknown
        out[-2] = UNKNOWN
    return (external_id or "", *out)


# ---------------------------------------------------------------------------------
# F25 phone numbers
# ---------------------------------------------------------------------------------
NUMBER_COLUMNS = (
    ReportColumn("external_id", N_("External ID")),
    ReportColumn("customer", N_("Customer")),
    ReportColumn("customer_org_id", N_("Customer Org ID")),
    ReportColumn("location_id", N_("Location ID")),
    ReportColumn("location_name", N_("Location Name")),
    ReportColumn("country", N_("Country")),
    ReportColumn("phone_number", N_("Phone Number")),
    ReportColumn("extension", N_("Extension")),
    ReportColumn("pstn_connection", N_("PSTN Connection")),
    ReportColumn("active", N_("Active")),
    ReportColumn("user_type", N_("User Type")),
    ReportColumn("number_type", N_("Number Type")),
    ReportColumn("user_id", N_("User ID")),
    ReportColumn("user_uuid", N_("User UUID")),
)
ACTIVE, INACTIVE = N_("Active"), N_("Inactive")


def _numbers_query(partner_id: int, flt: ReportFilter) -> Select:
    n = PhoneNumber
    stmt = (
        select(
            Customer.id.label("customer_pk"), Customer.external_id, Customer.name, Customer.org_id,
            n.location_id, Location.name, Location.country, n.phone_number, n.extension,
            n.pstn_connection, n.active, n.user_type, n.number_type, n.user_id, n.user_uuid,
        )
        .join(Customer, Customer.id == n.customer_id)
        .outerjoin(Location, _location_join(n.location_id))
        .where(n.partner_id == partner_id)
        .order_by(Customer.name, Customer.org_id, Location.name, n.phone_number, n.extension, n.id)
    )
    return _scope(stmt, partner_id, flt)


def _value(word: str | None, gettext) -> str:
    """An owner or number type Webex names ("People", "Primary") in the file's language; a
    word we do not know is written as Webex gave it."""
    return gettext(word) if word in NUMBER_VALUES else (word or "")


def _numbers_shape(row: Any, gettext) -> tuple:
    (_pk, external_id, customer, org, location_id, location_name, country, number, extension,
     pstn, active, user_type, number_type, user_id, user_uuid) = row
    number = number or ""
    user_type = user_type or ""
    return (
        # "" from Webex means unknown (the locations / PSTN / people source did not say): "—".
        external_id or "", customer, org, location_id or "", location_name or "", country or UNKNOWN,
        number,
        # The guide: "Ramal (este campo fica vazio para números de telefone)" — a number's
        # row leaves Extension empty even when Webex lists one beside it.
        "" if number else extension or "",
        (pstn or UNKNOWN) if number else "",  # extensions have no PSTN connection
        gettext(ACTIVE if active else INACTIVE),
        _value(user_type, gettext),
        _value(number_type, gettext) if number and user_type else "",  # not for extensions or unassigned
        # a person who owns it, whose email the people source did not give: unknown
        user_id or (UNKNOWN if user_uuid and user_type == "People" else ""),
        user_uuid or "",
    )


# ---------------------------------------------------------------------------------
REPORTS: dict[str, ReportDef] = {
    "call-usage": ReportDef(
        key="call-usage", name=N_("Call Usage Details"), columns=CALL_USAGE_COLUMNS, dated=True,
        query=_call_usage_query, shape=_call_usage_shape, source=CallRollup,
        note=N_("Data for new customer organizations may take up to 24 hours to appear."),
    ),
    "devices": ReportDef(
        key="devices", name=N_("Devices"), columns=DEVICE_COLUMNS, dated=False,
        query=_devices_query, shape=_devices_shape, source=Device,
    ),
    "numbers": ReportDef(
        key="numbers", name=N_("Phone Numbers"), columns=NUMBER_COLUMNS, dated=False,
        query=_numbers_query, shape=_numbers_shape, source=PhoneNumber,
    ),
}


def select_columns(report: ReportDef, keys: Iterable[str] | None) -> list[int]:
    """Indexes of the chosen columns (all of them when ``keys`` is empty)."""
    if not keys:
        return list(range(len(report.columns)))
    index = {c.key: i for i, c in enumerate(report.columns)}
    return [index[k] for k in keys if k in index]


def iter_values(rows: Iterable[Any], report: ReportDef, picks: list[int], gettext) -> Iterator[list]:
    for row in rows:
        values = report.shape(row, gettext)
        yield [values[i] for i in picks]

"""Calling charts are real PNGs of the agreed size, one per trend."""
from __future__ import annotations

import struct
from datetime import date

import pandas as pd

from partnerhub_core import charts
from partnerhub_core.analytics.calling import CALLING_SECTIONS, CallingSection
from partnerhub_core.settings import Settings
from tests.core.calling_world import make_customer, make_partner

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_line_chart_is_an_800_by_400_png_and_depends_on_the_data():
    weeks = [date(2026, 11, 7), date(2026, 11, 14), date(2026, 11, 21)]
    a = charts.line_chart(title="Calls", weeks=weeks, series={"Calls": [1, 5, 3]})
    b = charts.line_chart(title="Calls", weeks=weeks, series={"Calls": [9, 0, 3]})
    assert _size(a) == (800, 400)
    assert a != b


def test_bar_chart_percent_with_missing_values():
    png = charts.bar_chart(title="Poor share", labels=["Desk phone", "Other"], values=[0.2, None], percent=True)
    assert _size(png) == (800, 400)


def test_every_calling_section_has_its_charts_even_without_data(session):
    p = make_partner(session)
    make_customer(session, p, "org-a", "Alpha")
    expected = {
        "usage": ["call-usage-trend.png"],
        "quality": ["call-quality-trend.png", "call-quality-by-endpoint.png"],
        "features": ["call-features-trend.png"],
        "queues": ["call-queues-trend.png"],
    }
    for key, fn in CALLING_SECTIONS.items():
        section = fn(session=session, partner_id=p.id, as_of=date(2026, 11, 25), settings=Settings())
        made = charts.calling_charts(section, "pt_BR")
        assert [c.name for c in made] == expected[key]
        assert all(_size(c.png) == (800, 400) for c in made)


def test_a_section_without_trend_has_no_chart():
    section = CallingSection("usage", "Call usage", [], pd.DataFrame(), [])
    assert charts.calling_charts(section) == []

"""CSV cells in the file's language: decimals with its mark, words by their names (issue 17, item 4)."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from partnerhub_core import i18n
from partnerhub_core.reports.csvout import CsvWriter
from partnerhub_core.reports.definitions import _numbers_shape


def _rows(decimal: str) -> list[list[str]]:
    buf = io.BytesIO()
    writer = CsvWriter(buf, decimal=decimal)
    writer.header(["a", "b", "c", "d", "e"])
    writer.row([12.5, Decimal("7.3"), 1234, -0.5, "+97123739364"])
    writer.many([[0.0, None, 3, "=1+1", 2.25]])
    return list(csv.reader(io.StringIO(buf.getvalue().decode("utf-8-sig"))))


def test_decimals_take_the_mark_of_the_language_and_numbers_stay_plain():
    assert i18n.decimal_symbol("pt_BR") == "," and i18n.decimal_symbol("es") == "," and i18n.decimal_symbol("en") == "."
    assert _rows(",")[1:] == [["12,5", "7,3", "1234", "-0,5", "+97123739364"], ["0,0", "", "3", "'=1+1", "2,25"]]
    assert _rows(".")[1:] == [["12.5", "7.3", "1234", "-0.5", "+97123739364"], ["0.0", "", "3", "'=1+1", "2.25"]]


def test_number_report_values_are_in_the_files_language():
    row = (1, "", "Acme", "org-a", "loc-1", "HQ", "US", "+15550100", "", "Cloud Connected PSTN", True,
           "Auto Attendant", "Primary", "", "aa-1")
    es = _numbers_shape(row, i18n.translations("es").gettext)
    assert es[9:12] == ("Activo", "Operador automático", "Principal")
    pt = _numbers_shape(row[:11] + ("Virtual Line", "Secondary", "", "vl-1"), i18n.translations("pt_BR").gettext)
    assert pt[9:12] == ("Ativo", "Linha Virtual", "Secundário")
    odd = _numbers_shape(row[:11] + ("Something New", "Primary", "", "x"), i18n.translations("es").gettext)
    assert odd[10] == "Something New"  # a type we do not know: as Webex gave it

"""Errors say the field and the valid values in the reader's language (issue 17, items 4 and 11)."""
from __future__ import annotations

import pytest

from partnerhub_core import i18n
from partnerhub_core.analytics.subscriptions import check_region
from partnerhub_core.errors import BadInput, RegionNames
from partnerhub_core.services.trials import parse_int


def _said(exc: BadInput, locale: str) -> str:
    return exc.render(i18n.translations(locale).gettext)


@pytest.mark.parametrize("locale, expected", [
    ("en", "MARS is not a region: United States (US), Canada (CA), European Union (EU), United Arab Emirates (UAE)."),
    ("pt_BR", "MARS não é uma região: Estados Unidos (US), Canadá (CA), União Europeia (EU), "
              "Emirados Árabes Unidos (UAE)."),
    ("es", "MARS no es una región: Estados Unidos (US), Canadá (CA), Unión Europea (EU), Emiratos Árabes Unidos (UAE)."),
])
def test_a_region_that_is_not_one_lists_the_regions_by_name(locale, expected):
    with pytest.raises(BadInput) as err:
        check_region("MARS")
    assert _said(err.value, locale) == expected


@pytest.mark.parametrize("locale, expected", [
    ("en", "The license count must be a whole number from 1 to 1000."),
    ("pt_BR", "O campo “número de licenças” deve ser um número inteiro de 1 a 1000."),
    ("es", "El campo “número de licencias” debe ser un número entero del 1 al 1000."),
])
def test_field_names_inside_errors_are_translated(locale, expected):
    with pytest.raises(BadInput) as err:
        parse_int("5000", field=i18n.N_("license count"), low=1, high=1000)
    assert _said(err.value, locale) == expected


def test_bot_errors_localize_the_same_params():
    from bot.errors import localized_text

    with pytest.raises(BadInput) as err:
        parse_int("x", field=i18n.N_("trial length in days"), low=1, high=90)
    assert "“duração do teste em dias”" in localized_text(err.value, "pt_BR")
    assert str(RegionNames(["EU"])) == "European Union (EU)"

"""Every template under templates/ renders, with every fixture case, in every language,
into valid JSON inside Block Kit's limits (bot/render.py checks them)."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bot.render import TEMPLATES_DIR, BlockKitError, blocks_to_text, check_limits, render

FIXTURES = Path(__file__).resolve().parent / "template_fixtures"
LOCALES = ("en", "pt_BR", "es")
TEMPLATES = sorted(p.name for p in TEMPLATES_DIR.glob("*.json.j2"))


def _cases(template: str) -> dict:
    module_name = template[: -len(".json.j2")]
    if not (FIXTURES / f"{module_name}.py").exists():
        pytest.fail(f"templates/{template} has no fixtures: add tests/bot/template_fixtures/{module_name}.py "
                    f"with CASES = {{'large': {{...}}}}")
    module = importlib.import_module(f"tests.bot.template_fixtures.{module_name}")
    cases = module.CASES() if callable(module.CASES) else module.CASES
    assert cases, f"{module_name}.CASES is empty"
    return cases


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_inside_block_kit_limits_in_every_language(template):
    for case, values in _cases(template).items():
        for locale in LOCALES:
            try:
                payload = render(template, locale=locale, **values)
            except BlockKitError as exc:
                pytest.fail(f"{template} [{case}, {locale}]: {exc}")
            assert payload.get("blocks"), f"{template} [{case}] renders no blocks"
            assert blocks_to_text(payload).strip()


def test_the_limit_checker_catches_each_kind_of_violation():
    def problems(payload):
        with pytest.raises(BlockKitError) as info:
            check_limits(payload)
        return str(info.value)

    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    assert "blocks is 51 long, the limit is 50" in problems({"text": "t", "blocks": [section] * 51})
    check_limits({"type": "home", "blocks": [section] * 100})
    assert "blocks is 101 long, the limit is 100" in problems({"type": "home", "blocks": [section] * 101})
    assert "non-empty 'text'" in problems({"blocks": [section]})
    long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}
    assert "blocks[0].text.text is 3001 long, the limit is 3000" in problems({"text": "t", "blocks": [long_text]})
    fields = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    assert "blocks[0].fields is 11 long, the limit is 10" in problems({"text": "t", "blocks": [fields]})
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert "the limit is 150" in problems({"text": "t", "blocks": [header]})
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    assert "elements[0].text.text is 76 long, the limit is 75" in problems(
        {"text": "t", "blocks": [{"type": "actions", "elements": [button]}]})
    ok_button = {"type": "button", "text": {"type": "plain_text", "text": "b"}, "action_id": "a"}
    assert "elements is 26 long, the limit is 25" in problems(
        {"text": "t", "blocks": [{"type": "actions", "elements": [ok_button] * 26}]})
    option = {"text": {"type": "plain_text", "text": "o"}, "value": "v"}
    select = {"type": "static_select", "action_id": "s", "options": [option] * 101}
    assert "options is 101 long, the limit is 100" in problems(
        {"text": "t", "blocks": [{"type": "actions", "elements": [select]}]})
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    assert "elements is 11 long, the limit is 10" in problems({"text": "t", "blocks": [context]})
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
    assert "title.text is 25 long, the limit is 24" in problems(modal)
    meta = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [],
            "private_metadata": "m" * 3001}
    assert "private_metadata is 3001 long" in problems(meta)
    empty = {"type": "section", "text": {"type": "mrkdwn", "text": ""}}
    assert "text is empty" in problems({"text": "t", "blocks": [empty]})


def test_tojson_and_esc_keep_user_text_inert():
    payload = render("notice.json.j2", text='Acme "quoted" <!channel> & {{ x }} \\ \n', title=None)
    assert payload["blocks"][0]["text"]["text"] == 'Acme "quoted" &lt;!channel&gt; &amp; {{ x }} \\ \n'

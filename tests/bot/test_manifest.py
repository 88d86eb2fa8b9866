"""slack-manifest.yml declares what the app serves and asks for (parsed by hand: no YAML dependency)."""
import re
from pathlib import Path

from bot.app import SCOPES
from bot.commands import COMMAND

MANIFEST = (Path(__file__).resolve().parents[2] / "slack-manifest.yml").read_text(encoding="utf-8")


def _list_after(key: str) -> list[str]:
    block = MANIFEST.split(f"{key}:", 1)[1]
    items = []
    for line in block.splitlines()[1:]:
        match = re.match(r"^\s+- ([\w:./]+)\s*(#.*)?$", line)
        if not match:
            break
        items.append(match.group(1))
    return items


def test_manifest_scopes_are_the_apps_scopes():
    assert sorted(_list_after("    bot")) == sorted(SCOPES)


def test_manifest_subscribes_to_the_events_the_app_handles():
    assert _list_after("    bot_events") == ["app_home_opened", "message.im", "app_uninstalled", "tokens_revoked"]


def test_manifest_points_every_request_url_at_the_served_paths():
    urls = re.findall(r"https://partnerhub\.example\.com(/\S+)", MANIFEST)
    assert sorted(set(urls)) == ["/slack/events", "/slack/oauth_redirect"]
    assert f"- command: {COMMAND}" in MANIFEST
    assert "home_tab_enabled: true" in MANIFEST

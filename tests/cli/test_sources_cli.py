"""``partnerhub sources`` through the real entry point, on a small demo database where
every source counts as read (the demo fills every figure)."""
import json
import sys

import pytest

from bot.cli import main
from partnerhub_core.provenance import SourceFamily
from tests.cli.test_demo_and_read_commands import AS_OF, env, run  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-sources")
    url = f"sqlite:///{folder / 'demo.db'}"
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["partnerhub", "demo", "--customers", "8", "--out", str(folder / "out"),
                             "--database-url", url, "--as-of", AS_OF])
    try:
        main()
    except SystemExit as exc:  # pragma: no cover - a failure shows in the tests below
        assert exc.code in (0, None)
    finally:
        mp.undo()
    return url


def test_sources_table_every_source_connected(capsys, monkeypatch, env, demo_url):  # noqa: F811
    code, out, err = run(capsys, monkeypatch, "sources", "--database-url", demo_url, "--as-of", AS_OF)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["Source", "Status"]
    body = lines[2:2 + len(SourceFamily)]
    assert all(" connected " in line and "Nov 25, 2026 06:00 UTC" in line for line in body), out
    assert "not connected" not in out and "To connect it" not in out


def test_sources_json_and_a_section_json_carry_the_sources(capsys, monkeypatch, env, demo_url):  # noqa: F811
    code, out, err = run(capsys, monkeypatch, "sources", "--json", "--database-url", demo_url, "--as-of", AS_OF)
    assert code == 0, err
    data = json.loads(out)
    assert list(data["sources"]) == [f.value for f in SourceFamily]
    assert all(s["known"] and s["missing_scopes"] == [] for s in data["sources"].values())
    code, out, err = run(capsys, monkeypatch, "section", "expiring", "--json", "--database-url", demo_url,
                         "--as-of", AS_OF)
    assert code == 0, err
    usage = json.loads(out)["sources"]["license_usage"]
    assert usage["known"] and usage["figures_known"] == usage["figures_total"]


def test_sources_later_than_the_stale_limit(capsys, monkeypatch, env, demo_url):  # noqa: F811
    # 8 days after the demo's reads (source_stale_days is 7): every source is stale, and
    # says when it was read and how to connect it again
    code, out, err = run(capsys, monkeypatch, "sources", "--database-url", demo_url, "--as-of", "2026-12-03")
    assert code == 0, err
    assert out.count(" stale ") == len(SourceFamily)
    assert "— License usage: last read on Nov 25, 2026, too long ago." in out

"""``partnerhub demo`` prints the path of the licence-trend chart PNGs it writes, and a short
conversation in the bot's DM (messages without the slash, through the DM handler, offline)."""
import sys
from pathlib import Path

from bot.cli import main

AS_OF = "2026-11-25"


def test_the_demo_prints_the_license_trend_charts_and_a_dm_conversation(capsys, monkeypatch, tmp_path):
    for name in ("PARTNERHUB_DATABASE_URL", "PARTNERHUB_DEMO_DATABASE_URL", "PARTNERHUB_DEMO_OUTPUT_DIR",
                 "PARTNERHUB_AS_OF"):
        monkeypatch.delenv(name, raising=False)
    out_dir = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["partnerhub", "demo", "--customers", "12", "--out", str(out_dir),
                                      "--database-url", f"sqlite:///{tmp_path / 'd.db'}", "--as-of", AS_OF])
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err

    charts = [line for line in out.splitlines() if line.startswith("License trend chart (")]
    assert [line.split(" (", 1)[1].split(")", 1)[0] for line in charts] == [
        "Meetings: licenses per week", "Calling: licenses per week"]
    for line in charts:
        path = Path(line.rsplit(": ", 1)[1])
        assert path.parent == out_dir.resolve() and path.name.startswith("digest-license-trend-")
        assert path.read_bytes().startswith(b"\x89PNG")

    dm = out.split("### A conversation in the bot's DM (the Messages tab)", 1)[1].split("### ", 1)[0]
    said = [line for line in dm.splitlines() if ": " in line and not line.startswith(" ")]
    assert [line.split(": ", 1)[1] for line in said if not line.startswith("Partner Hub")] == [
        "kpis calling", "customer sao paulo", "help"]
    assert dm.count("Partner Hub:") == 3
    assert "Headline KPIs" in dm and "Customers over the license limit in Webex Calling" in dm  # kpis calling
    assert "São Paulo Logística" in dm and "Renews Jan 9, 2027" in dm  # customer sao paulo
    assert "What Partner Hub can do" in dm  # help
    assert "/partnerhub kpis" not in dm.split("What Partner Hub can do")[0]  # typed without the slash
    assert (out_dir / "slack-dm-conversation.txt").read_text().startswith(said[0])

"""``partnerhub demo`` and the read commands, through the real entry point (``main``):
what a person sees on stdout and stderr, and the exit code."""
import json
import re
import sys
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.cli import main
from partnerhub_core.models import Customer, CustomerStatus, Partner

AS_OF = "2026-11-25"


def run(capsys, monkeypatch, *args):
    """Run ``partnerhub ARGS``; (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["partnerhub", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err):
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def env(monkeypatch, tmp_path):
    # Nothing read from the developer's environment changes what the tests see.
    for name in ("PARTNERHUB_DATABASE_URL", "PARTNERHUB_DEMO_DATABASE_URL", "PARTNERHUB_DEMO_OUTPUT_DIR",
                 "PARTNERHUB_AS_OF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One small demo database shared by the read-command tests."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", ["partnerhub", "demo", "--customers", "12", "--out", str(folder / "out"),
                             "--database-url", url, "--as-of", AS_OF])
    try:
        main()
    except SystemExit as exc:  # pragma: no cover - a failure shows in the tests below
        assert exc.code in (0, None)
    finally:
        mp.undo()
    return url


def test_demo_prints_every_status_and_section_and_writes_the_csvs(capsys, monkeypatch, env):
    out_dir, url = env / "csv", f"sqlite:///{env / 'd.db'}"
    args = ["demo", "--customers", "12", "--out", str(out_dir), "--database-url", url, "--as-of", AS_OF]
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 0, err
    for status in CustomerStatus:
        assert status.value in out
    for title in ("Recently added (last 90 days)", "Expiring in the next 90 days",
                  "Renewing in the next 90 days (auto-renew)", "Low license assignment", "Over the license limit"):
        assert f"{title} — Webex Meetings" in out and f"{title} — Webex Calling" in out
    assert "Headline KPIs" in out and "Customers with Meetings or Calling:" in out
    assert "São Paulo Logística" in out and "https://admin.webex.com/overview?orgId=" in out
    names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(("slack-", "digest-")))
    calling = [f"calling-analytics-{k}.csv" for k in ("usage", "quality", "features", "queues")] + [
        f"call-{k}.png" for k in ("usage-trend", "quality-trend", "quality-by-endpoint", "features-trend",
                                  "queues-trend")] + [
        f"{name}_demo7_{AS_OF}.csv" for name in ("Call Usage Details", "Devices", "Phone Numbers")]
    assert names == sorted([f"{p}-{k}.csv" for p in ("meetings", "calling")
                            for k in ("trend", "recent", "expiring", "renewing", "low", "overage")] + calling)
    assert "Call queue insights — Webex Calling" in out
    assert str(out_dir.resolve()) in out
    header = (out_dir / "meetings-expiring.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Customer,Subscription ID,Days until expiry,Total licenses")

    # The Slack half: the bot's answers to a handful of commands, and the weekly digest.
    assert "What the bot answers in Slack" in out
    assert "> /partnerhub customer sao paulo" in out and "Renews Jan 9, 2027" in out
    assert "> /partnerhub kpis calling" in out and "Customers over the license limit in Webex Calling" in out
    assert "No customer matches no such customer." in out  # a polite error, not a traceback
    assert "Principais indicadores de desempenho (KPIs)" in out  # an admin who chose Portuguese
    assert "Traceback" not in out + err
    slack_files = sorted(p.name for p in out_dir.iterdir() if p.name.startswith("slack-"))
    assert "slack-02-customer-sao-paulo.txt" in slack_files and "slack-digest.txt" in slack_files
    digest = (out_dir / "slack-digest.txt").read_text()
    assert "Expiring subscriptions and trials" in digest and "Over the license limit" in digest
    digest_csvs = [p for p in out_dir.iterdir() if p.name.startswith("digest-") and p.suffix == ".csv"]
    assert digest_csvs and all(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in digest_csvs)

    # A second run rebuilds in place: still one partner with 12 customers.
    code, _, err = run(capsys, monkeypatch, *args)
    assert code == 0, err
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Partner)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(Customer)).scalar_one() == 12
    engine.dispose()


@pytest.mark.parametrize("args, needle", [
    (["demo", "--bogus"], "No such option: --bogus"),
    (["demo", "--customers", "-3"], "--customers"),
    (["demo", "--customers", "0"], "--customers"),
    (["demo", "--customers", "many"], "--customers"),
    (["demo", "--as-of", "2026-02-30"], "2026-02-30 is not a date"),
    (["kpis", "--product", "fax"], None),
    (["section", "nope"], "Unknown section nope"),
])
def test_bad_input_is_one_line_and_non_zero(capsys, monkeypatch, env, args, needle):
    if args[0] in ("kpis", "section"):
        args = [*args, "--database-url", f"sqlite:///{env / 'empty.db'}"]
    code, _, err = run(capsys, monkeypatch, *args)
    line = one_line_error(code, err)
    if needle:
        assert needle in line


def test_unwritable_output_folder(capsys, monkeypatch, env):
    blocker = env / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, monkeypatch, "demo", "--customers", "3", "--out", str(blocker / "sub"),
                       "--database-url", f"sqlite:///{env / 'x.db'}")
    assert "Cannot write to the output folder" in one_line_error(code, err)
    code, _, err = run(capsys, monkeypatch, "demo", "--customers", "3", "--out", str(blocker),
                       "--database-url", f"sqlite:///{env / 'x.db'}")
    assert "it is a file" in one_line_error(code, err)
    assert not (env / "x.db").exists()  # nothing built before the folder check


def test_missing_database_folder(capsys, monkeypatch, env):
    code, _, err = run(capsys, monkeypatch, "demo", "--out", str(env / "o"),
                       "--database-url", f"sqlite:///{env / 'nowhere' / 'x.db'}")
    assert "Cannot create the demo database" in one_line_error(code, err)


def test_kpis_text_and_json(capsys, monkeypatch, env, demo_db):
    code, out, err = run(capsys, monkeypatch, "kpis", "--database-url", demo_db, "--as-of", AS_OF)
    assert code == 0, err
    assert "Customers with Meetings or Calling:" in out and "Low license assignment:" in out
    code, out, err = run(capsys, monkeypatch, "kpis", "--database-url", demo_db, "--as-of", AS_OF, "--json",
                         "--product", "calling", "--region", "eu")
    assert code == 0, err
    data = json.loads(out)
    assert data["key"] == "kpis" and data["product"] == "calling"
    assert [k["key"] for k in data["kpis"]] == ["total_customers", "expiring", "renewing", "low_assignment",
                                                "overage"]


def test_section_json_has_rows_and_columns(capsys, monkeypatch, env, demo_db):
    code, out, err = run(capsys, monkeypatch, "section", "overage", "--product", "calling", "--json",
                         "--database-url", demo_db, "--as-of", AS_OF)
    assert code == 0, err
    data = json.loads(out)
    assert [c["key"] for c in data["columns"]][:2] == ["customer", "subscription_id"]
    assert "Zürich Finanz AG" in [r["customer"] for r in data["rows"]]
    code, out, err = run(capsys, monkeypatch, "section", "trend", "--database-url", demo_db, "--as-of", AS_OF,
                         "--limit", "3")
    assert code == 0 and "License distribution trend" in out
    # newest first: the three weeks ending on the Saturdays before Wednesday 2026-11-25
    assert all(d in out for d in ("Nov 21, 2026", "Nov 14, 2026", "Nov 7, 2026")) and "Oct 31, 2026" not in out
    assert out.index("Nov 21, 2026") < out.index("Nov 7, 2026")
    folder = env / "charts"
    code, out, err = run(capsys, monkeypatch, "section", "trend", "--product", "calling", "--chart", str(folder),
                         "--database-url", demo_db, "--as-of", AS_OF, "--json")
    assert code == 0, err
    path = folder / "license-trend-calling.png"
    assert json.loads(out)["chart"] == str(path.resolve()) and path.read_bytes()[:4] == b"\x89PNG"


def test_customer_lookup_and_list(capsys, monkeypatch, env, demo_db):
    base = ["--database-url", demo_db, "--as-of", AS_OF]
    code, out, err = run(capsys, monkeypatch, "customers", "lookup", "zurich finanz", *base)
    assert code == 0, err
    assert "Zürich Finanz AG" in out and "License overage" in out
    code, out, err = run(capsys, monkeypatch, "customers", "lookup", "sao paulo", "--json", *base)
    card = json.loads(out)
    assert card["name"] == "São Paulo Logística" and card["control_hub_url"].endswith(card["org_id"])
    code, out, err = run(capsys, monkeypatch, "customers", "list", "status:expired", "--json", *base)
    assert code == 0, err
    page = json.loads(out)
    assert [r["name"] for r in page["items"]] == ["Prairie Schools Ltd."] and page["total"] == 1
    code, out, err = run(capsys, monkeypatch, "customers", "list", "region:UAE", *base)
    assert code == 0 and "Dubai Marina Hotels LLC" in out and "Sharjah Trading FZE" in out


def test_lookup_and_list_errors(capsys, monkeypatch, env, demo_db):
    base = ["--database-url", demo_db, "--as-of", AS_OF]
    code, _, err = run(capsys, monkeypatch, "customers", "lookup", "Zurich Financ AX", *base)
    lines = err.strip().splitlines()
    assert code == 3 and lines[0] == "error: No customer matches Zurich Financ AX. Did you mean one of these?"
    assert lines[2].split() == ["Customer", "Region", "Statuses"]
    assert lines[4].startswith("Zürich Finanz AG") and "European Union" in lines[4]


def test_ambiguous_lookup_prints_the_candidates_as_a_table_without_org_ids(capsys, monkeypatch, env, demo_db):
    base = ["--database-url", demo_db, "--as-of", AS_OF]
    code, out, err = run(capsys, monkeypatch, "customers", "lookup", "e", *base)
    lines = err.strip().splitlines()
    # 9 of the 12 demo names hold an "e" (not Lisboa Clínica, São Paulo Logística, Zürich Finanz).
    assert code == 2 and out == ""
    assert lines[0] == "error: 9 customers match e. Pick one, or type more of the name (or the org id)."
    names = [line.split("  ")[0] for line in lines[4:]]
    assert names == ["Café Montréal Ltée", "Dubai Marina Hotels LLC", "Granite Legal LLC", "Harbor Dental Group",
                     "Kraków Software S.A.", "Niagara Insurance Corp.", "Prairie Schools Ltd.", "Redwood Realty Inc.",
                     "Sharjah Trading FZE"]
    assert "Dubai Marina Hotels LLC  United Arab Emirates  Active, No recent activity" in err
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", err)
    code, _, err = run(capsys, monkeypatch, "customers", "list", "colour:red", *base)
    assert code == 2 and "Unknown filter colour" in one_line_error(code, err)
    code, _, err = run(capsys, monkeypatch, "customers", "list", "--page", "9", *base)
    assert "There is no page 9" in one_line_error(code, err)


def test_partner_choice(capsys, monkeypatch, env, demo_db, tmp_path):
    copy = tmp_path / "two.db"
    src = create_engine(demo_db)
    with src.connect() as conn:
        conn.execute(text(f"VACUUM INTO '{copy}'"))
    src.dispose()
    url = f"sqlite:///{copy}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO partner (name, default_language, created_at) "
                          "VALUES ('Second partner', 'en', '2026-01-01 00:00:00')"))
    engine.dispose()
    code, _, err = run(capsys, monkeypatch, "kpis", "--database-url", url)
    assert "Several partners" in one_line_error(code, err) and "--partner ID" in err
    code, _, err = run(capsys, monkeypatch, "kpis", "--database-url", url, "--partner", "99")
    assert "no partner with id 99" in one_line_error(code, err)
    code, out, err = run(capsys, monkeypatch, "kpis", "--database-url", url, "--partner", "2", "--json")
    assert code == 0, err
    assert json.loads(out)["kpis"][0]["value"] == 0  # the second partner has no customers
    code, _, err = run(capsys, monkeypatch, "kpis", "--database-url", f"sqlite:///{tmp_path / 'none.db'}")
    assert "There is no database at" in one_line_error(code, err)
    assert not (tmp_path / "none.db").exists()
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with empty.connect() as conn:
        conn.execute(text("CREATE TABLE unrelated (x int)"))
        conn.commit()
    empty.dispose()
    code, _, err = run(capsys, monkeypatch, "kpis", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert "has no partnerhub schema yet: run `partnerhub db upgrade`" in one_line_error(code, err)
    assert code == 6  # the database is not migrated (docs/cli.md, exit codes)


def test_as_of_defaults_to_the_environment(capsys, monkeypatch, env, demo_db):
    monkeypatch.setenv("PARTNERHUB_AS_OF", AS_OF)
    code, out, err = run(capsys, monkeypatch, "section", "expiring", "--json", "--database-url", demo_db)
    assert code == 0, err
    assert json.loads(out)["as_of"] == date(2026, 11, 25).isoformat()

"""One filter syntax on every CLI command that filters (Slack's words, the old options as
aliases), and ``--json`` / ``--format table|json|csv|xlsx`` / ``--database-url`` on every
command. Expected rows are the demo's hand-picked first twelve customers."""
import csv
import io
import json

import pytest

from bot.cli import COMMANDS, load_command
from tests.cli.test_demo_and_read_commands import AS_OF, demo_db, env, one_line_error, run  # noqa: F401

# Commands that run until stopped (their output is logs) or belong to the demo.
NO_JSON = {"serve", "worker", "demo"}
# Commands that print rows: each takes --format.
ROW_COMMANDS = {"admins", "customers list", "tags list", "tags show", "kpis", "section", "calling usage", "calling quality",
                "calling features", "calling queues", "report-template list", "audit", "sync status", "sources",
                "jobs list", "jobs status"}
# Commands that write a file and whose --format picks its kind (csv or xlsx), not a table's output.
FILE_FORMAT_COMMANDS = {"report"}


def leaf_commands():
    def walk(path, command):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk([*path, name], sub)
            if getattr(command, "invoke_without_command", False):
                yield " ".join(path), command
        else:
            yield " ".join(path), command
    for name in COMMANDS:
        yield from walk([name], load_command(name))


def test_every_command_takes_database_url_and_json_and_row_commands_take_format():
    seen = set()
    for path, command in leaf_commands():
        seen.add(path)
        options = {o for p in command.params for o in getattr(p, "opts", ())}
        assert "--database-url" in options, path
        if path not in NO_JSON:
            assert "--json" in options, path
        assert ("--format" in options) == (path in ROW_COMMANDS | FILE_FORMAT_COMMANDS), path
    assert ROW_COMMANDS | FILE_FORMAT_COMMANDS <= seen


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "CSV starts with a BOM"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def base(demo_db):
    return ["--database-url", demo_db, "--as-of", AS_OF]


def test_filter_words_and_the_old_options_are_the_same_filter(capsys, monkeypatch, env, base):
    outs = []
    for args in (["calling", "EU"], ["product:calling", "region:eu"], ["--product", "calling", "--region", "EU"],
                 ["product:calling", "--region", "eu"]):
        code, out, err = run(capsys, monkeypatch, "kpis", *args, "--json", *base)
        assert code == 0, err
        outs.append(json.loads(out))
    assert all(o == outs[0] for o in outs)
    assert outs[0]["product"] == "calling"
    # Zürich Finanz AG and Kraków Software S.A. are the demo's EU Calling customers.
    assert next(k["value"] for k in outs[0]["kpis"] if k["key"] == "total_customers") == 2


def test_customers_list_takes_words_and_aliases_together(capsys, monkeypatch, env, base):
    code, out, err = run(capsys, monkeypatch, "customers", "list", "--tag", "at risk", "region:EU", "--json", *base)
    assert code == 0, err
    assert [r["name"] for r in json.loads(out)["items"]] == ["Lisboa Clínica Lda."]
    code, out, err = run(capsys, monkeypatch, "customers", "list", "tag:At risk", "--region", "ca", "--json", *base)
    assert [r["name"] for r in json.loads(out)["items"]] == ["Prairie Schools Ltd."]


@pytest.mark.parametrize("args, needle", [
    (["kpis", "region:EU", "--region", "US"], "--region US and region:EU disagree"),
    (["customers", "list", "status:expired", "--status", "active"], "--status active and status:expired disagree"),
    (["section", "low", "product:calling", "--product", "meetings"], "disagree"),
    (["calling", "usage", "tag:SMB", "--tag", "Enterprise"], "disagree"),
    (["kpis", "status:active"], "the filter status does not apply to this command"),
    (["calling", "usage", "product:meetings"], "the filter product does not apply"),
    (["report", "devices", "tag:SMB"], "the filter tag does not apply"),
    (["kpis", "somewhere"], "'somewhere' is not a filter"),
    (["kpis", "product:messaging"], "Unknown product messaging: use meetings or calling"),
    (["customers", "list", "region:MARS"], "Unknown value MARS for region"),
    # The analytics check their words as the Slack answer does, so the messages are the same.
    (["kpis", "--region", "MARS"], "MARS is not a region: United States (US), Canada (CA)"),
    (["calling", "usage", "region:mars"], "mars is not a region: United States (US)"),
    (["section", "low", "--product", "teams"], "Unknown product teams: use meetings or calling"),
    (["kpis", "--json", "--format", "csv"], "--json and --format csv disagree"),
    (["kpis", "--format", "xlsx"], "--format xlsx writes a file: add --output"),
    (["kpis", "--format", "yaml"], "--format takes table, json, csv, xlsx"),
    (["tags", "list", "--json", "--output", "t.csv"], "--output writes csv or xlsx, not json"),
    (["calling", "usage", "--endpoints", "--format", "csv"], "--endpoints goes with calling quality"),
    (["purge", "--partner", "1", "--json"], "--json does not ask for confirmation: add --yes"),
])
def test_conflicts_and_misplaced_filters_are_one_line_and_exit_2(capsys, monkeypatch, env, base, args, needle):
    code, _, err = run(capsys, monkeypatch, *args, *base[:2])
    assert needle in one_line_error(code, err)
    assert code == 2


def test_agreeing_alias_and_word_are_fine(capsys, monkeypatch, env, base):
    code, out, err = run(capsys, monkeypatch, "calling", "quality", "region:UAE", "--region", "uae", "--json", *base)
    assert code == 0, err
    assert [r["customer"] for r in json.loads(out)["rows"]] == ["Sharjah Trading FZE"]


def test_csv_on_stdout_and_xlsx_into_a_file(capsys, monkeypatch, env, base):
    code, out, err = run(capsys, monkeypatch, "kpis", "calling", "EU", "--format", "csv", *base)
    assert code == 0, err
    assert csv_rows(out) == [["Customers with Webex Calling", "Approaching expiration", "Upcoming renewal",
                              "Low license assignment", "Customers over the license limit in Webex Calling"], ["2", "1", "0", "0", "1"]]  # Zürich Finanz AG is over its limit
    # The file holds every matching customer, not one page.
    code, out, err = run(capsys, monkeypatch, "customers", "list", "region:UAE", "--page-size", "1",
                         "--format", "csv", *base)
    rows = csv_rows(out)
    assert rows[0][:3] == ["Customer", "Customer Org ID", "Region"]
    assert [r[0] for r in rows[1:]] == ["Dubai Marina Hotels LLC", "Sharjah Trading FZE"]
    target = env / "sub" / "quality.xlsx"
    code, out, err = run(capsys, monkeypatch, "calling", "quality", "--endpoints", "--output", str(target), *base)
    assert code == 0, err
    assert out.strip() == str(target.resolve()) and target.read_bytes()[:2] == b"PK"
    code, out, err = run(capsys, monkeypatch, "section", "overage", "calling", "--format", "csv", *base)
    rows = csv_rows(out)
    assert rows[0][:2] == ["Customer", "Subscription ID"] and "Zürich Finanz AG" in [r[0] for r in rows]


def test_an_empty_table_writes_nothing_and_says_so(capsys, monkeypatch, env, base):
    target = env / "none.csv"
    code, out, err = run(capsys, monkeypatch, "customers", "list", "no such name", "-o", str(target),
                         *base)
    assert code == 0 and out == "" and err.strip() == "No rows." and not target.exists()


def test_changes_answer_json(capsys, monkeypatch, env, base, tmp_path):
    import shutil

    db = tmp_path / "copy.db"
    shutil.copy(base[1].removeprefix("sqlite:///"), db)
    copy = ["--database-url", f"sqlite:///{db}"]
    code, out, err = run(capsys, monkeypatch, "tags", "create", "=Watch", "--json", *copy)
    assert code == 0, err
    assert json.loads(out) == {"action": "created", "tag": "=Watch", "description": ""}
    code, out, err = run(capsys, monkeypatch, "tags", "add", "=Watch", "zurich", "--json", *copy)
    assert json.loads(out)["customer"] == "Zürich Finanz AG"
    code, out, err = run(capsys, monkeypatch, "tags", "show", "=watch", "--format", "csv", *copy)
    assert [r[0] for r in csv_rows(out)] == ["Customer", "Zürich Finanz AG"]
    code, out, err = run(capsys, monkeypatch, "tags", "delete", "=Watch", "--json", *copy)
    assert json.loads(out) == {"action": "deleted", "tag": "=Watch", "customers": 1}
    code, out, err = run(capsys, monkeypatch, "report", "devices", "EU", "--out", str(tmp_path), "--json", *copy,
                         "--as-of", AS_OF)
    assert code == 0, err
    data = json.loads(out)
    assert data["region"] == "EU" and data["path"].endswith(f"_{AS_OF}.csv")
    code, out, err = run(capsys, monkeypatch, "purge", "--partner", "1", "--yes", "--json", *copy)
    assert code == 0, err
    data = json.loads(out)
    assert data["tables"]["customer"] == 12 and data["rows"] == sum(data["tables"].values())


def test_admins_as_a_table_json_and_the_download_file(capsys, monkeypatch, env, base):
    code, out, err = run(capsys, monkeypatch, "admins", "--format", "csv", *base[:2])
    assert code == 0, err
    rows = csv_rows(out)
    assert rows[0] == ["Name", "Email", "Role", "All customers", "Assigned customers"]
    # The demo's six admins, one of every role (U0DEMO01 … U0DEMO06); the full admin sees every customer.
    assert len(rows) == 7 and rows[1][:4] == ["Fernanda Lima", "fernanda.lima@northwind-demo.example",
                                              "full partner admin", "Yes"]
    code, out, err = run(capsys, monkeypatch, "admins", "--json", *base[:2])
    data = json.loads(out)
    assert [a["role"] for a in data].count("full_admin") == 1 and len(data) == 6
    code, out, err = run(capsys, monkeypatch, "admins", "--lang", "pt-BR", *base[:2])
    assert out.splitlines()[0].split()[:2] == ["Nome", "E-mail"]

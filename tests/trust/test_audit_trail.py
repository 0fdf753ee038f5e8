"""The audit trail as people read it: changes in words, filters, pages past the newest 200, and
CSV safe to open in a spreadsheet; the page, the API and the CLI show the same rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app as cli_app
from servitize.core.settings import Settings
from servitize.trust import audit
from servitize.trust.audit_trail import described
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from servitize.web.app import create_app
from tests import builders as b
from tests.browser import committed_sqlite

INJECTION = '=HYPERLINK("http://evil.example","x")'


def _entry(session: Session, n: int, **kw: object) -> AuditEntry:
    values: dict[str, object] = {
        "actor": "anna",
        "action": "update",
        "entity": "tt_note",
        "entity_id": str(n),
        "at": datetime(2026, 11, 1 + n % 28, 9, 0, tzinfo=UTC),
    }
    values.update(kw)
    entry = AuditEntry(**values)
    session.add(entry)
    return entry


def _admin_headers(session: Session) -> dict[str, str]:
    admin = b.user(session, role="admin")
    return {"Authorization": f"Bearer {issue_token(session, admin)}"}


def test_changes_read_as_field_before_arrow_after_with_labels() -> None:
    entry = AuditEntry(
        before={"role": "technician", "territory": None, "active": True, "owner_id": 4},
        after={"role": "admin", "territory": "north", "active": False, "owner_id": 9},
    )
    assert described(entry) == (
        "Role: technician → admin; Territory: — → north; Active: yes → no; Owner: 4 → 9"
    )
    created = AuditEntry(before=None, after={"data_kinds": ["status", "energy"], "full_name": "A"})
    assert described(created) == "Data kinds: — → status, energy; Full name: — → A"
    assert described(AuditEntry(before=None, after=None)) == ""


def test_the_api_filters_by_actor_kind_action_and_days(
    session: Session, app_client: TestClient
) -> None:
    # day n % 28 + 1 of November: entries 0..9 fall on Nov 1..10
    for n in range(10):
        _entry(
            session, n, actor="anna" if n % 2 else "bert", action="create" if n < 5 else "update"
        )
    _entry(session, 99, entity="tt_other")
    headers = _admin_headers(session)
    session.flush()

    def ids(query: str) -> list[str]:
        answer = app_client.get(f"/api/v1/audit/entries?entity=tt_note&{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return [row["entity_id"] for row in answer.json()["items"]]

    assert ids("actor=anna") == ["9", "7", "5", "3", "1"]  # odd n, newest first
    assert ids("action=create&actor=bert") == ["4", "2", "0"]  # n < 5 and even
    assert ids("since=2026-11-03&until=2026-11-05") == ["4", "3", "2"]  # Nov 3, 4, 5 included
    assert ids("since=2026-11-10") == ["9"]
    other = app_client.get("/api/v1/audit/entries?entity=tt_other", headers=headers).json()
    assert other["total"] == 1 and other["items"][0]["record"] == "Tt other #99"


def test_pages_go_past_the_newest_200(session: Session, app_client: TestClient) -> None:
    entries = [_entry(session, n, entity="tt_page") for n in range(250)]
    headers = _admin_headers(session)
    session.flush()
    oldest_50 = sorted((e.id for e in entries), reverse=True)[200:]
    third = app_client.get(
        "/api/v1/audit/entries?entity=tt_page&size=100&page=3", headers=headers
    ).json()
    # 250 entries at 100 a page: pages 1 and 2 hold the newest 200, page 3 the 50 oldest
    assert (third["total"], third["pages"], len(third["items"])) == (250, 3, 50)
    assert [row["id"] for row in third["items"]] == oldest_50
    page = app_client.get("/admin/audit?entity=tt_page&page=3", headers=headers)
    assert page.status_code == 200
    assert "201–250 of 250 changes" in page.text  # the page shows 100 a page as well
    assert "page=2" in page.text and "page=4" not in page.text


def test_csv_cells_cannot_run_formulas(session: Session, app_client: TestClient) -> None:
    _entry(session, 1, actor=INJECTION, note="@SUM(A1:A9)", before={"name": "-2+3"}, after={})
    headers = _admin_headers(session)
    session.flush()
    answer = app_client.get("/api/v1/audit/entries.csv?entity=tt_note", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(answer.text)))
    assert header == ["id", "at (UTC)", "actor", "action", "record", "record id", "changes", "note"]
    assert row[1] == "2026-11-02 09:00:00"
    assert row[2] == "'" + INJECTION
    # the record in words, as the page names it: a kind without a table by the entry's own name
    assert row[4:] == ["Tt note -2+3 (#1)", "1", "Name: -2+3 → —", "'@SUM(A1:A9)"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2026-13-01", "since"),
        ("since=0001-01-01", "since"),
        ("since=2026-11-05&until=2026-11-01", "until"),
        ("page=0", "page"),
        ("size=100000", "size"),
        ("actor=" + "x" * 81, "actor"),
    ],
)
def test_bad_filters_answer_422_naming_the_field(
    session: Session, app_client: TestClient, query: str, field: str
) -> None:
    headers = _admin_headers(session)
    answer = app_client.get(f"/api/v1/audit/entries?{query}", headers=headers)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"], answer.json()


def test_only_admins_read_the_trail(session: Session, app_client: TestClient) -> None:
    analyst = b.user(session, role="analyst")
    headers = {"Authorization": f"Bearer {issue_token(session, analyst)}"}
    for path in ("/api/v1/audit/entries", "/api/v1/audit/entries.csv", "/admin/audit.csv"):
        assert app_client.get(path, headers=headers).status_code == 403, path


def _fill(session: Session) -> str:
    admin = b.user(session, username="trail-admin", role="admin")
    token = issue_token(session, admin)
    for n in range(30):
        _entry(session, n, actor="anna" if n % 3 else INJECTION, entity="tt_same")
    audit.record(session, audit.SYSTEM, "create", "tt_same", 999, after={"role": "analyst"})
    return token


def test_page_api_and_cli_show_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, token = committed_sqlite(tmp_path, _fill)
    headers = {"Authorization": f"Bearer {token}"}
    settings = Settings(database_url=url, environment="test", secret_key="s" * 32)
    query = "entity=tt_same&since=2026-11-02&until=2026-11-20"
    with TestClient(create_app(settings)) as client:
        api_csv = client.get(f"/api/v1/audit/entries.csv?{query}", headers=headers).text
        page_csv = client.get(f"/admin/audit.csv?{query}", headers=headers).text
        api_rows = client.get(f"/api/v1/audit/entries?{query}&size=500", headers=headers).json()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    options = ["--entity", "tt_same", "--since", "2026-11-02", "--until", "2026-11-20"]
    cli_csv = runner.invoke(cli_app, ["audit", "list", *options, "--csv"])
    assert cli_csv.exit_code == 0, cli_csv.output
    assert api_csv == page_csv == cli_csv.stdout
    # Nov 2..20 are days n % 28 + 1 for n = 1..19 and n = 29 (29 % 28 + 1 = 2): 20 entries;
    # the system's own entry is dated today, outside the days asked
    assert len(api_csv.strip().splitlines()) == 1 + 20
    cli_json = runner.invoke(cli_app, ["audit", "list", *options, "--size", "500", "--json"])
    assert cli_json.exit_code == 0, cli_json.output
    cli_ids = [json.loads(line)["id"] for line in cli_json.stdout.splitlines()]
    assert cli_ids == [row["id"] for row in api_rows["items"]]
    bad = runner.invoke(
        cli_app, ["audit", "list", "--since", "2026-11-05", "--until", "2026-11-01"]
    )
    assert bad.exit_code == 2 and "until:" in bad.output


def _named(session: Session) -> str:
    """A user, an account and a machine changed, and an account deleted since: an admin's token."""
    admin = b.user(session, username="named-admin", role="admin")
    olga = b.user(session, username="olga-n", full_name="Olga Berger", email="olga@example.com")
    nameless = b.user(session, username="no-name", full_name=None, email="nn@example.com")
    account = b.account(session, name="Acme Steel Works")
    machine = b.asset(session, account, model="PX-400", serial="SN-77")
    actor = audit.Actor("anna")
    audit.record(session, actor, "update", "user", olga.id, {"role": "analyst"}, {"role": "admin"})
    audit.record(session, actor, "update", "user", nameless.id, {"territory": None}, {})
    audit.record(session, actor, "update", "account", account.id, {"country": "DE"}, {})
    audit.record(session, actor, "update", "asset", machine.id, {"coverage": "none"}, {})
    # gone since: the entry's own record of the name stands in; without one, kind and id
    audit.record(session, actor, "delete", "account", 987654, {"name": "Gone GmbH"}, None)
    audit.record(session, actor, "update", "account", 987655, {"country": "DE"}, {})
    session.flush()
    return issue_token(session, admin)


NAMED = [
    "Asset PX-400 SN-77",
    "Account Acme Steel Works",
    "User no-name",  # no full name: the user name
    "User Olga Berger",
]


def test_records_are_named_by_their_own_name_on_the_page_api_and_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, token = committed_sqlite(tmp_path, _named)
    headers = {"Authorization": f"Bearer {token}"}
    settings = Settings(database_url=url, environment="test", secret_key="s" * 32)
    with TestClient(create_app(settings)) as client:
        rows = client.get("/api/v1/audit/entries?actor=anna", headers=headers).json()["items"]
        page = client.get("/admin/audit?actor=anna", headers=headers | {"accept": "text/html"})
    records = [r["record"] for r in rows]
    assert records[0] == "Account #987655"
    assert records[1] == "Account Gone GmbH (#987654)"
    assert [r.rsplit(" (#", 1)[0] for r in records[2:]] == NAMED
    assert all(
        r.endswith(f"(#{row['entity_id']})") for r, row in zip(records[1:], rows[1:], strict=True)
    )
    assert "User #" not in page.text and "Olga Berger (#" in page.text
    assert "Account Acme Steel Works (#" in page.text
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["audit", "list", "--actor", "anna"])
    assert listed.exit_code == 0, listed.output
    for name in [*NAMED, "Account Gone GmbH", "Account #987655"]:
        assert name in listed.stdout
    as_json = runner.invoke(cli_app, ["audit", "list", "--actor", "anna", "--json"])
    assert [json.loads(line)["record"] for line in as_json.stdout.splitlines()] == records


def test_the_csv_export_names_each_record_as_the_page_and_the_api_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, token = committed_sqlite(tmp_path, _named)
    headers = {"Authorization": f"Bearer {token}"}
    settings = Settings(database_url=url, environment="test", secret_key="s" * 32)
    with TestClient(create_app(settings)) as client:
        rows = client.get("/api/v1/audit/entries?actor=anna", headers=headers).json()["items"]
        listed = client.get("/api/v1/audit?limit=1000", headers=headers).json()
        page = client.get("/admin/audit?actor=anna", headers=headers | {"accept": "text/html"})
        api_csv = client.get("/api/v1/audit/entries.csv?actor=anna", headers=headers).text
        page_csv = client.get("/admin/audit.csv?actor=anna", headers=headers).text
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    cli_csv = CliRunner().invoke(cli_app, ["audit", "list", "--actor", "anna", "--csv"])
    assert cli_csv.exit_code == 0, cli_csv.output
    assert api_csv == page_csv == cli_csv.stdout
    header, *lines = list(csv.reader(io.StringIO(api_csv)))
    in_file = {int(line[0]): line[header.index("record")] for line in lines}
    by_api = {r["id"]: r["record"] for r in rows}
    assert in_file == by_api
    # the names themselves, written out: newest first as the entries were made
    assert [in_file[r["id"]].rsplit(" (#", 1)[0] for r in rows] == [
        "Account #987655",
        "Account Gone GmbH",
        *NAMED,
    ]
    for line in lines:  # the record id column stays beside the words, which end with the id
        record, record_id = line[header.index("record")], line[header.index("record id")]
        assert record.endswith((f"(#{record_id})", f" #{record_id}"))
    for name in in_file.values():
        assert name in page.text
    # the older list of entries (GET /api/v1/audit) names them the same way
    assert {e["id"]: e["record"] for e in listed if e["id"] in in_file} == in_file

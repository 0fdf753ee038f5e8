"""The lab on every path: API, page and command show the same numbers (the 3×3 of
test_rules.py, worked by hand there); scoring, disagreement, consensus, versions; CSV and XLSX
both ways; a bad matrix is a 422 naming every cell; who may do what."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import migrated_sqlite

ABC = ["A", "B", "C"]
SMALL = [["0", "3", "1"], ["0", "0", "2"], ["-1s", "0", "0"]]
API = "/api/v1/network-models"


def _auth(session: Session, role: str) -> dict[str, str]:
    user = b.user(session, role=role)
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _made(app_client: Any, auth: dict[str, str]) -> dict[str, Any]:
    r = app_client.post(
        API, json={"name": "Small", "variables": ABC, "matrix": SMALL}, headers=auth
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_api_page_and_command_show_the_same_numbers(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager")
    lab = _made(app_client, head)
    assert lab["version"] == 1
    # active 4, 2, 1; passive 1, 3, 3; products 4, 6, 3; quotients 4, 2/3, 1/3 (by hand)
    rows = [(x["active"], x["passive"], x["product"], x["quotient"]) for x in lab["indices"]]
    assert rows == [(4, 1, 4, 4.0), (2, 3, 6, 0.6667), (1, 3, 3, 0.3333)]
    assert lab["totals"] == {"active": 7, "passive": 7, "cells": 7}
    assert [x["quadrant"] for x in lab["indices"]] == ["active", "reactive", "reactive"]
    # loops: A → B → C → A (3·2·1 = 6, one negative: balancing, slow) and A → C → A (1·1 = 1)
    strongest = lab["loops"]["strongest"]
    assert [(x["variables"], x["strength"], x["polarity"], x["speed"]) for x in strongest] == [
        (["A", "B", "C"], 6, "balancing", "slow"),
        (["A", "C"], 1, "balancing", "slow"),
    ]
    reader = _auth(session, "analyst")
    page = app_client.get(f"/organisation/lab/{lab['id']}", headers=reader)
    assert page.status_code == 200
    html = page.text
    row = re.search(r'<tr data-variable="B">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["2", "3", "6", "0.67"]
    assert "A → B → C → A" in html
    assert html.count("<svg") >= 2 and "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)
    # the analyst reads, and gets no editor
    assert "/scores" not in html and "/versions" not in html
    median = app_client.get(f"{API}/{lab['id']}?threshold=median", headers=reader).json()
    assert median["roles"]["on_line"] == ["B", "C"]
    bad = app_client.get(f"{API}/{lab['id']}?threshold=number", headers=reader)
    assert bad.status_code == 422 and "line" in bad.text


def test_scoring_disagreement_consensus_and_versions(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager")
    lab = _made(app_client, head)
    url = f"{API}/{lab['id']}"
    ann, bob = _auth(session, "account_owner"), _auth(session, "service_manager")
    r = app_client.put(f"{url}/scores", json={"matrix": SMALL}, headers=ann)
    assert r.status_code == 200, r.text
    other = [["0", "1", "1"], ["0", "0", "2"], ["1", "0", "0"]]
    r = app_client.put(f"{url}/scores", json={"matrix": other}, headers=bob)
    found = r.json()
    # A → B: 3 and 1 (spread 2); C → A: -1s and 1 (spread 2, signs and speeds differ)
    assert [
        (d["from"], d["to"], d["spread"], d["signs_differ"]) for d in found["disagreements"]
    ] == [
        ("A", "B", 2, False),
        ("C", "A", 2, True),
    ]
    # proposed: A → B median of 3 and 1 = 2; C → A median of -1 and 1 = 0
    assert found["proposed_consensus"] == [["0", "2", "1"], ["0", "0", "2"], ["0", "0", "0"]]
    # the page shows the disagreement and offers the consensus editor to the head of sales
    page = app_client.get(f"/organisation/lab/{lab['id']}", headers=head).text
    assert 'data-testid="disagreements"' in page and 'data-testid="consensus-matrix"' in page
    # record the proposed consensus (no matrix) as version 2, on version 1
    r = app_client.post(f"{url}/versions", json={"based_on": 1, "note": "workshop"}, headers=head)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2
    stale = app_client.post(f"{url}/versions", json={"based_on": 1}, headers=head)
    assert stale.status_code == 409
    changes = app_client.get(f"{url}/compare?before=1&after=2", headers=head).json()
    assert changes == [
        {"from": "A", "to": "B", "before": "3", "after": "2"},
        {"from": "C", "to": "A", "before": "-1s", "after": "0"},
    ]
    # the page's consensus form: n × n cells, row-major
    cells = ["0", "1", "0", "0", "0", "0", "2s", "0", "0"]
    form = {"cell": cells, "note": "second look", "based_on": "2"}
    p = app_client.post(
        f"/organisation/lab/{lab['id']}/versions", data=form, headers=head, follow_redirects=False
    )
    assert p.status_code == 303, p.text
    assert app_client.get(url, headers=head).json()["matrix"] == [
        ["0", "1", "0"],
        ["0", "0", "0"],
        ["2s", "0", "0"],
    ]
    page = app_client.get(f"/organisation/lab/{lab['id']}?before=2&after=3", headers=head).text
    # v2 [[0, 2, 1], [0, 0, 2], [0, 0, 0]] → v3 [[0, 1, 0], [0, 0, 0], [2s, 0, 0]]
    shown = page.split('data-testid="changes"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r"<td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", shown)
    assert found == [
        ("A → B", "2", "1"),
        ("A → C", "1", "0"),
        ("B → C", "2", "0"),
        ("C → A", "0", "2s"),
    ]


def test_a_bad_matrix_is_refused_whole_naming_every_cell(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager")
    bad = [["1", "4", None], ["1.5", "0", "x"], ["0", "0", "0"]]
    r = app_client.post(API, json={"name": "Bad", "variables": ABC, "matrix": bad}, headers=head)
    assert r.status_code == 422
    text = r.json()["detail"]
    for part in ("A → A", "A → B: 4 is outside", "A → C: missing", "B → A: 1.5", "B → C: 'x'"):
        assert part in text, (part, text)
    assert app_client.get(API, headers=head).json() == []  # nothing kept
    lab = _made(app_client, head)
    form = {"cell": ["0", "9", "0", "0", "0", "0", "0", "0", "0"]}
    p = app_client.post(f"/organisation/lab/{lab['id']}/scores", data=form, headers=head)
    assert p.status_code == 422 and "A → B: 9 is outside the scale 0–3" in p.text
    p = app_client.post(f"/organisation/lab/{lab['id']}/scores", data={"cell": ["0"]}, headers=head)
    assert p.status_code == 422 and "cell" in p.text
    r = app_client.put(f"{API}/{lab['id']}/scores", json={"matrix": [["0"]]}, headers=head)
    assert r.status_code == 422 and "rows for 3 variables" in r.text


def test_csv_and_xlsx_round_trip(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "admin")
    lab = _made(app_client, head)
    got = app_client.get(f"{API}/{lab['id']}/matrix.csv", headers=head)
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.text)))
    assert rows[0][1:] == ABC and [r[1:] for r in rows[1:]] == SMALL
    xlsx = app_client.get(f"{API}/{lab['id']}/matrix.xlsx", headers=head)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)][2] == ["B", "0", "0", "2"]
    # back in through the page: a new model of the same numbers
    for name, data in (("m.csv", got.content), ("m.xlsx", xlsx.content)):
        p = app_client.post(
            "/organisation/lab",
            data={"name": f"From {name}"},
            files={"file": (name, data)},
            headers=head,
            follow_redirects=False,
        )
        assert p.status_code == 303, p.text
        new_id = int(p.headers["location"].rsplit("/", 1)[1])
        again = app_client.get(f"{API}/{new_id}", headers=head).json()
        assert again["matrix"] == SMALL and again["variables"] == ABC
    # a workbook with numbers (not text) and a blank cell: the blank is named, not read as 0
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["", "A", "B"])
    sheet.append(["A", 0, 2])
    sheet.append(["B", None, 0])
    out = io.BytesIO()
    book.save(out)
    p = app_client.post(
        "/organisation/lab",
        data={"name": "Blank"},
        files={"file": ("b.xlsx", out.getvalue())},
        headers=head,
    )
    assert p.status_code == 422 and "B → A: missing" in p.text


def test_who_may_score_and_edit(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    lab = _made(app_client, _auth(session, "sales_manager"))
    body = {"matrix": SMALL}
    for role, score, edit in (
        ("admin", 200, 201),
        ("sales_manager", 200, 201),
        ("account_owner", 200, 403),
        ("service_manager", 200, 403),
        ("technician", 403, 403),
        ("analyst", 403, 403),
    ):
        auth = _auth(session, role)
        assert app_client.get(f"{API}/{lab['id']}", headers=auth).status_code == 200
        assert (
            app_client.put(f"{API}/{lab['id']}/scores", json=body, headers=auth).status_code
            == score
        )
        made = app_client.post(API, json={"name": role}, headers=auth)
        assert made.status_code == edit, role


def test_the_command_prints_the_api_numbers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "lab.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        b.user(session, role="sales_manager", username="head")
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "small.csv"
    path.write_text(
        "x,A,B,C\n" + "\n".join(",".join([n, *r]) for n, r in zip(ABC, SMALL, strict=True)) + "\n"
    )
    run = CliRunner().invoke
    r = run(app, ["network", "import", str(path), "--name", "Small", "--as", "head", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    rows = [(x["active"], x["passive"], x["product"], x["quotient"]) for x in data["indices"]]
    assert rows == [(4, 1, 4, 4.0), (2, 3, 6, 0.6667), (1, 3, 3, 0.3333)]  # as on the API
    r = run(app, ["network", "show", str(data["id"]), "--threshold", "median", "--json"])
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)
    assert shown["roles"]["on_line"] == ["B", "C"]  # medians 2 and 3 (test_rules.py)
    assert shown["loops"]["strongest"][0]["strength"] == 6
    assert run(app, ["network", "show", str(data["id"])]).exit_code == 0
    out = tmp_path / "out.xlsx"
    r = run(app, ["network", "export", str(data["id"]), "--out", str(out)])
    assert r.exit_code == 0, r.output
    sheet = load_workbook(out).worksheets[0]
    assert [list(x) for x in sheet.iter_rows(values_only=True)][3] == ["C", "-1s", "0", "0"]
    bad = tmp_path / "bad.csv"
    bad.write_text("x,A,B\nA,0,5\nB,,0\n")
    r = run(app, ["network", "import", str(bad), "--name", "Bad", "--json"])
    assert r.exit_code == 2 and "A → B: 5 is outside" in r.stdout and "B → A: missing" in r.stdout

"""The billing and MRR pages: who sees the months and who may run and close one, a run from the
page (idempotent, locked once closed), bad months shown with their reason, a month's totals per
kind that add up, the same cents on the page, in the API's CSV and from ``servitize billing
lines``, and MRR with its movements. Amounts worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from servitize.cli import app as cli_app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.offers import billing
from servitize.offers import repository as offers_repo
from servitize.offers.models import Contract, ContractChange
from servitize.trust.context import Context
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import reused_app

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
_numbers = iter(range(1, 1_000_000))


def _auth(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _contract(session: Session, account, **kw) -> Contract:  # type: ignore[no-untyped-def]
    kw.setdefault("number", f"C-B{next(_numbers):06d}")
    kw.setdefault("kind", "subscription")
    kw.setdefault("name", "Condition monitoring")
    kw.setdefault("currency", "EUR")
    kw.setdefault("period", "month")
    kw.setdefault("start_on", date(2026, 1, 1))
    kw.setdefault("minimum_term_end", date(2029, 1, 1))
    c = Contract(account_id=account.id, **kw)
    session.add(c)
    session.flush()
    return c


def _three_contracts(session: Session, owner_id: int | None = None) -> list[Contract]:
    """310.00 a month from 11 March 2026; 2,400.00 a year since 2025; 62.00 a month amended to
    93.00 from 22 March 2026."""
    account = b.account(session, name="Nordic Paper", owner_id=owner_id)
    late = _contract(session, account, fee_cents=310_00, start_on=date(2026, 3, 11))
    yearly = _contract(
        session, account, kind="service_agreement", name="Full service", fee_cents=2_400_00,
        period="year", start_on=date(2025, 1, 1),
    )  # fmt: skip
    amended = _contract(session, account, fee_cents=93_00)
    session.add(
        ContractChange(
            contract_id=amended.id, kind="amend", effective_on=date(2026, 3, 22),
            fee_before_cents=62_00, fee_after_cents=93_00, by="test", at=NOW,
        )
    )  # fmt: skip
    session.flush()
    return [late, yearly, amended]


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("EUR", "").strip())


def _page_totals(html: str) -> tuple[dict[str, Decimal], Decimal]:
    kinds = {k: _money(v) for k, v in re.findall(r'data-total-kind="([a-z_]+)">([^<]+)<', html)}
    found = re.search(r'data-total="EUR">([^<]+)<', html)
    assert found, "no month total"
    return kinds, _money(found.group(1))


def test_who_sees_billing_and_who_may_run_it(session: Session, data_app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    _three_contracts(session)
    client = data_app_client
    page = client.get("/billing", headers=_auth(session, admin)).text
    assert 'data-testid="run"' in page and '<option value="2026-10">' in page
    for role in ("sales_manager", "service_manager", "account_owner", "analyst"):
        user = b.user(session, role=role)
        r = client.get("/billing", headers=_auth(session, user))
        assert r.status_code == 200 and 'data-testid="run"' not in r.text, role
        r = client.post("/billing/runs", data={"period": "2026-03"}, headers=_auth(session, user))
        assert r.status_code == 403, role
        r = client.post("/billing/2026-03/close", headers=_auth(session, user))
        assert r.status_code == 403, role
        assert client.get("/mrr", headers=_auth(session, user)).status_code == 200, role
    tech = b.user(session, role="technician")
    for url in ("/billing", "/billing/2026-03", "/mrr"):
        assert client.get(url, headers=_auth(session, tech)).status_code == 403, url


def test_a_month_run_and_closed_from_the_page(session: Session, data_app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    owner = b.user(session, role="account_owner")
    _three_contracts(session, owner.id)
    _three_contracts(session)  # another owner's account: the owner never sees its lines
    client, auth = data_app_client, _auth(session, admin)

    r = client.post(
        "/billing/runs", data={"period": "2026-03"}, headers=auth, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/billing/2026-03?written=8")
    html = client.get(r.headers["location"], headers=auth).text
    assert "billed: 8 new lines, 0 already billed" in html
    assert 'data-testid="state">' in html and ">billed<" in html
    kinds, total = _page_totals(html)
    # per account: 310.00 × 21/31 = 210.00; 2,400.00 / 12 = 200.00; 62.00 × 21/31 = 42.00 and
    # 93.00 × 10/31 = 30.00: 482.00; two accounts 964.00, all of it fees
    assert kinds == {"fee": Decimal("964.00")} and total == Decimal("964.00")
    assert 'href="/api/v1/billing-lines?period=2026-03&amp;format=csv&amp;limit=100000"' in html
    mine = client.get("/billing/2026-03", headers=_auth(session, owner)).text
    assert _page_totals(mine) == ({"fee": Decimal("482.00")}, Decimal("482.00"))
    assert "Run again" not in mine and "Close the month" not in mine

    again = client.post("/billing/runs", data={"period": "2026-03"}, headers=auth)
    assert again.status_code == 200 and "billed: 0 new lines, 8 already billed" in again.text
    months = client.get("/billing", headers=auth).text
    assert 'data-testid="close-2026-03"' in months
    closed = client.post("/billing/2026-03/close", headers=auth)
    assert closed.status_code == 200 and "2026-03 is closed" in closed.text
    months = client.get("/billing", headers=auth).text
    row = months.split('data-month="2026-03"')[1].split("</tr>")[0]
    assert ">closed<" in row and "964.00 EUR" in row and "close-2026-03" not in row
    locked = client.post("/billing/runs", data={"period": "2026-03"}, headers=auth)
    assert locked.status_code == 409 and "is closed" in locked.text
    assert 'data-testid="message"' in locked.text


def test_bad_months_show_their_reason_never_a_500(session: Session, data_app_client) -> None:  # type: ignore[no-untyped-def]
    auth = _auth(session, b.user(session, role="admin"))
    client = data_app_client
    for period, status, reason in (
        ("2026-13", 422, "period"),
        ("March", 422, "period: a month is written YYYY-MM"),
        ("", 422, "period"),
        ("2099-01", 409, "has not ended yet"),
    ):
        r = client.post("/billing/runs", data={"period": period}, headers=auth)
        assert r.status_code == status and reason in r.text, (period, r.text[:300])
    r = client.post("/billing/2026-02/close", headers=auth)
    assert r.status_code == 409 and "has not been billed yet" in r.text
    assert client.get("/billing/2026-13", headers=auth).status_code == 422
    assert client.get("/billing/abcdefgh", headers=auth).status_code == 422
    assert client.get("/billing/2026-03?page=0", headers=auth).status_code == 422
    r = client.get("/mrr?end=2026-13", headers=auth)
    assert r.status_code == 422 and "end" in r.text
    assert client.get("/mrr?months=99", headers=auth).status_code == 422


def test_mrr_and_its_movements_on_the_page(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    auth = _auth(session, b.user(session, role="analyst"))
    one, two = b.account(session), b.account(session)
    # one: 100.00 a month from January, 150.00 from 1 March (expansion 50.00)
    up = _contract(session, one, fee_cents=150_00)
    session.add(
        ContractChange(
            contract_id=up.id, kind="amend", effective_on=date(2026, 3, 1),
            fee_before_cents=100_00, fee_after_cents=150_00, by="test", at=NOW,
        )
    )  # fmt: skip
    # two: 1,200.00 a year (100.00 a month) from 1 February, ended on 1 April (churn −100.00)
    _contract(
        session, two, fee_cents=1_200_00, period="year", start_on=date(2026, 2, 1),
        end_on=date(2026, 4, 1),
    )  # fmt: skip
    session.flush()
    r = app_client.get("/mrr?end=2026-04&months=4", headers=auth)
    assert r.status_code == 200, r.text[:300]
    html = r.text

    def cell(month: str, col: str) -> Decimal:
        row = html.split(f'data-month="{month}"')[1].split("</tr>")[0]
        found = re.search(rf'data-col="{col}">(?:<b>)?([^<]+)<', row)
        assert found, (month, col)
        return _money(found.group(1))

    # Jan 100.00 (carried in); Feb + new 100.00 = 200.00; Mar + expansion 50.00 = 250.00;
    # Apr − churn 100.00 = 150.00, ARR 12 × 150.00 = 1,800.00
    assert [cell(m, "closing") for m in ("2026-01", "2026-02", "2026-03", "2026-04")] == [
        Decimal(100),
        Decimal(200),
        Decimal(250),
        Decimal(150),
    ]
    assert cell("2026-02", "new") == Decimal(100)
    assert cell("2026-03", "expansion") == Decimal(50)
    assert cell("2026-04", "churn") == Decimal(-100)
    assert cell("2026-04", "arr") == Decimal(1800)
    # the waterfall: from 100.00 (January's close) by +100, +50, −100 to 150.00
    assert '<svg viewBox="0 0 640 220" role="img"' in html
    assert "opening 100.00, new 100.00, expansion 50.00" in html
    assert "churn -100.00, closing 150.00" in html
    assert "style=" not in html.split("<main")[1] and "<script>" not in html


@pytest.fixture
def committed(own_database_url: str, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A database of this test's own with the three contracts of one account, committed, and
    the command line pointed at it."""
    engine = make_engine(own_database_url)
    with session_scope(session_factory(engine)) as session:
        admin = b.user(session, role="admin")
        _three_contracts(session)
        token = issue_token(session, admin)
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    return {"url": own_database_url, "token": token, "data": tmp_path / "var"}


def test_the_page_the_api_csv_and_the_command_agree_to_the_cent(committed) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": f"Bearer {committed['token']}"}
    with (
        reused_app(database_url=committed["url"], environment="test") as app,
        TestClient(app) as client,
    ):
        app.state.settings = app.state.settings.model_copy(update={"data_dir": committed["data"]})
        assert (
            client.post("/billing/runs", data={"period": "2026-03"}, headers=auth).status_code
            == 200
        )
        assert client.post("/billing/2026-03/close", headers=auth).status_code == 200
        # a correction of March's first line in April, as a line of its own
        engine = make_engine(committed["url"])
        with session_scope(session_factory(engine)) as session:
            admin = session.query(User).filter_by(role="admin").one()
            first = min(ln.id for ln in offers_repo.billing_lines(session, "2026-03"))
            billing.correct(
                Context(session, admin, Settings(), NOW), first, -20_00, "start day", "2026-04"
            )
        engine.dispose()
        r = client.post("/billing/runs", data={"period": "2026-04"}, headers=auth)
        assert r.status_code == 200, r.text[:300]
        kinds, total = _page_totals(r.text)
        api = client.get("/api/v1/billing-lines?period=2026-04&format=csv", headers=auth)
    # April: 310.00 + 2,400.00 / 12 + 93.00 = 603.00 in fees, less the 20.00 correction: 583.00
    assert kinds == {"correction": Decimal("-20.00"), "fee": Decimal("603.00")}
    assert total == Decimal("583.00") == sum(kinds.values())
    rows = list(csv.DictReader(io.StringIO(api.text)))
    assert sum(Decimal(r["amount"]) for r in rows) == total
    by_kind: dict[str, Decimal] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], Decimal(0)) + Decimal(row["amount"])
    assert by_kind == kinds

    out = CliRunner().invoke(cli_app, ["billing", "lines", "--period", "2026-04", "--json"])
    assert out.exit_code == 0, out.output
    cli_rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert sorted((r["id"], r["kind"], r["amount"]) for r in cli_rows) == sorted(
        (int(r["id"]), r["kind"], r["amount"]) for r in rows
    )
    assert sum(Decimal(r["amount"]) for r in cli_rows) == Decimal("583.00")

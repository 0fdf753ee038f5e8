"""The billing lines of a month and the availability contracts as lists: sorted by a header in
SQL, filtered, saved as views and downloaded as CSV/XLSX with the page's own numbers (amounts to
the cent, next to their currency)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.offers.models import BillingLine
from servitize.trust.service import issue_token
from tests import builders as b

NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def _as(session: Session, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}", "accept": "text/html"}


def _rows(html: str, testid: str) -> list[list[str]]:
    body = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)
        out.append([re.sub(r"<[^>]+>", "", c).replace("&amp;", "&").strip() for c in cells])
    return out


def _csv(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _xlsx(answer: Any) -> list[tuple[Any, ...]]:
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def _line(session: Session, account: Any, key: str, kind: str, cents: int, **kw: Any) -> None:
    kw.setdefault("description", f"{kind} {key}")
    session.add(
        BillingLine(
            key=key, period="2026-03", account_id=account.id, kind=kind, amount_cents=cents,
            currency=kw.pop("currency", "EUR"), created_at=NOW, **kw,
        )
    )  # fmt: skip


def test_a_months_lines_sort_filter_and_export_the_pages_amounts(session, app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    acme, bolt = b.account(session, name="Acme Paper"), b.account(session, name="Bolt Steel")
    _line(session, bolt, "L1", "fee", 1_234_567_80, quantity=Decimal("1"))
    _line(session, acme, "L2", "penalty", -161_80, evidence={"availability_pct": 97.19})
    _line(session, acme, "L3", "usage", 99_05, quantity=Decimal("12.5"), currency="SEK")
    _line(session, bolt, "L4", "fee", 5, description="rounding check")
    _line(session, acme, "L5", "fee", 0, billable=False)
    session.flush()
    h = _as(session, admin)
    page = app_client.get("/billing/2026-03?sort=-amount", headers=h)
    assert page.status_code == 200, page.text
    rows = _rows(page.text, "lines")
    assert [r[6] for r in rows] == ["1,234,567.80", "99.05", "0.05", "0.00", "-161.80"]
    assert rows[0][:2] == ["Bolt Steel", ""] and rows[1][7] == "SEK"
    assert rows[4][8] == "availability pct: 97.19" and rows[3][4] == "not billable"
    by_account = _rows(app_client.get("/billing/2026-03?sort=account", headers=h).text, "lines")
    assert [r[0] for r in by_account] == ["Acme Paper"] * 3 + ["Bolt Steel"] * 2
    fees = _rows(app_client.get("/billing/2026-03?kind=fee&sort=amount", headers=h).text, "lines")
    assert [r[6] for r in fees] == ["0.00", "0.05", "1,234,567.80"]
    bad = app_client.get("/billing/2026-03?sort=evidence", headers=h)
    assert bad.status_code == 422 and "sort by one of: account, contract, line" in bad.text
    # the file of the same list: the same rows, each amount the page's to the cent
    exported = _csv(app_client.get("/billing/2026-03.csv?sort=-amount", headers=h))
    assert exported[0][6:8] == ["Amount", "Currency"]
    for shown, row in zip(rows, exported[1:], strict=True):
        assert f"{Decimal(row[6]):,.2f}" == shown[6] and row[7] == shown[7]
        assert row[0] == shown[0] and row[2] == shown[2]
    assert [r[6] for r in exported[1:]] == ["1234567.80", "99.05", "0.05", "0.00", "-161.80"]
    book = _xlsx(app_client.get("/billing/2026-03.xlsx?kind=fee&sort=amount", headers=h))
    assert [r[6] for r in book[1:]] == [0, 0.05, 1234567.8]
    # the bar: saved views and the export links keep the filter and the sort
    kept = app_client.get("/billing/2026-03?kind=fee&sort=amount", headers=h).text
    assert 'href="/billing/2026-03.csv?kind=fee&amp;sort=amount"' in kept
    assert 'name="list" value="/billing/2026-03"' in kept


def test_an_owner_exports_only_the_lines_of_their_accounts(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    mine, other = b.account(session, name="Mine", owner_id=owner.id), b.account(session)
    _line(session, mine, "M1", "fee", 100_00)
    _line(session, other, "M2", "fee", 200_00)
    session.flush()
    exported = _csv(app_client.get("/billing/2026-03.csv", headers=_as(session, owner)))
    assert [(r[0], r[6]) for r in exported[1:]] == [("Mine", "100.00")]


def _contract(session: Session, account: Any, number: str, name: str, target: float,
              fee: int) -> AvailabilityContract:  # fmt: skip
    c = AvailabilityContract(
        external_id=number, account_id=account.id, name=name, target_pct=target,
        calendar={"kind": "24/7"}, fee_cents=fee, currency="EUR",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    session.add(c)
    session.flush()
    return c


def test_availability_contracts_sort_and_export_the_pages_values(session, app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, role="admin")
    acme, bolt = b.account(session, name="Acme Paper"), b.account(session, name="Bolt Steel")
    _contract(session, bolt, "AC-LIST-1", "Press line", 98.0, 1_234_55)
    _contract(session, acme, "AC-LIST-2", "Wrapper fleet", 95.5, 300_00)
    _contract(session, acme, "AC-LIST-3", "Boiler house", 99.0, 12_000_00)
    h = _as(session, admin)
    page = app_client.get("/contracts?period=2026-03&sort=-target", headers=h)
    assert page.status_code == 200, page.text
    rows = [r for r in _rows(page.text, "contracts") if r[1].startswith("AC-LIST-")]
    assert [r[1] for r in rows] == ["AC-LIST-3", "AC-LIST-1", "AC-LIST-2"]
    assert [(r[3], r[7], r[8]) for r in rows] == [
        ("99.00", "12,000.00", "EUR"), ("98.00", "1,234.55", "EUR"), ("95.50", "300.00", "EUR")
    ]  # fmt: skip
    by_fee = app_client.get("/contracts?period=2026-03&sort=fee", headers=h).text
    assert [r[1] for r in _rows(by_fee, "contracts") if r[1].startswith("AC-LIST-")] == [
        "AC-LIST-2", "AC-LIST-1", "AC-LIST-3"
    ]  # fmt: skip
    by_account = app_client.get("/contracts?period=2026-03&sort=account", headers=h).text
    assert [r[2] for r in _rows(by_account, "contracts") if r[1].startswith("AC-LIST-")] == [
        "Acme Paper", "Acme Paper", "Bolt Steel"
    ]  # fmt: skip
    assert app_client.get("/contracts?sort=availability", headers=h).status_code == 422
    exported = _csv(app_client.get("/contracts.csv?period=2026-03&sort=-target", headers=h))
    assert exported[0][:9] == [
        "Contract", "Number", "Account", "Target %", "Availability %", "Result", "Amount",
        "Monthly fee", "Currency",
    ]  # fmt: skip
    mine = [r for r in exported[1:] if r[1].startswith("AC-LIST-")]
    for shown, row in zip(rows, mine, strict=True):
        assert row[:3] == shown[:3] and row[5] == shown[5] and row[8] == shown[8]
        assert f"{Decimal(row[7]):,.2f}" == shown[7] and f"{Decimal(row[6]):,.2f}" == shown[6]
    assert [r[7] for r in mine] == ["12000.00", "1234.55", "300.00"]
    book = _xlsx(app_client.get("/contracts.xlsx?period=2026-03&sort=-target", headers=h))
    fees = [r[7] for r in book[1:] if str(r[1]).startswith("AC-LIST-")]
    assert fees == [12000, 1234.55, 300]
    assert 'href="/contracts/' in page.text and "report.pdf?period=2026-03" in page.text

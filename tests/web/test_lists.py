"""Lists people work with: sortable columns (server-side, whitelisted), saved filters per user,
CSV/XLSX exports of exactly what a list shows (every page, the same numbers as the page)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from servitize.trust.service import issue_token
from tests import builders as b

HTML = {"accept": "text/html"}


def _as(session: Session, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}", **HTML}


def _accounts_world(session: Session) -> dict[str, Any]:
    """Four accounts of two owners, volumes 30, 10, none, 20 (names say which)."""
    anna = b.user(session, username="anna", full_name="Anna Berg", role="account_owner")
    zoe = b.user(session, username="zoe", full_name="Zoe Adler", role="account_owner")
    admin = b.user(session, username="boss", role="admin")
    analyst = b.user(session, username="ana", role="analyst")
    rows = [
        ("Delta Mills", "DE", "food", 30, anna),
        ("Alpha Press", "SE", "oil_and_gas", 10, zoe),
        ("Charlie Cans", "DE", "packaging", None, anna),
        ("Bravo Bottling", "AT", "food", 20, zoe),
    ]
    for name, country, industry, volume, owner in rows:
        b.account(
            session, name=name, country=country, industry=industry, volume=volume, owner_id=owner.id
        )
    session.flush()
    return {"admin": admin, "analyst": analyst, "anna": anna, "zoe": zoe}


def _names(html: str) -> list[str]:
    return re.findall(r'<td class="primary"><a href="/accounts/\d+">([^<]+)</a>', html)


def test_accounts_sort_by_each_direction_empty_last(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    h = _as(session, w["admin"])
    by = {
        s: _names(app_client.get(f"/accounts?sort={s}", headers=h).text)
        for s in ("name", "-name", "volume", "-volume", "owner", "country")
    }
    assert by["name"] == ["Alpha Press", "Bravo Bottling", "Charlie Cans", "Delta Mills"]
    assert by["-name"] == ["Delta Mills", "Charlie Cans", "Bravo Bottling", "Alpha Press"]
    # volumes 10, 20, 30 and one without a volume: last in both directions
    assert by["volume"] == ["Alpha Press", "Bravo Bottling", "Delta Mills", "Charlie Cans"]
    assert by["-volume"] == ["Delta Mills", "Bravo Bottling", "Alpha Press", "Charlie Cans"]
    # owners by name: Anna Berg's two first (then by id: in the order they were made)
    assert by["owner"] == ["Delta Mills", "Charlie Cans", "Alpha Press", "Bravo Bottling"]
    assert by["country"] == ["Bravo Bottling", "Delta Mills", "Charlie Cans", "Alpha Press"]


def test_unknown_sort_column_is_refused_naming_the_allowed_ones(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    h = _as(session, w["admin"])
    for bad in ("password_hash", "-id", "name;drop"):
        answer = app_client.get(f"/accounts?sort={bad}", headers=h)
        assert answer.status_code == 422, bad
        assert "sort" in answer.text and "territory" in answer.text and "volume" in answer.text
    answer = app_client.get("/accounts.csv?sort=owner_id", headers=h)
    assert answer.status_code == 422


def test_header_links_reverse_and_paging_keeps_the_sort(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    for n in range(30):
        b.account(session, name=f"Zulu {n:02d}", volume=n)
    h = _as(session, w["admin"])
    html = app_client.get("/accounts?country=&sort=volume", headers=h).text
    assert 'aria-sort="ascending" data-sort="volume"><a href="/accounts?sort=-volume"' in html
    assert 'data-sort="name"><a href="/accounts"' in html  # the default sort is not written
    nxt = re.search(r'href="(/accounts\?[^"]*offset=25[^"]*)"', html)
    assert nxt and "sort=volume" in nxt.group(1)
    second = _names(app_client.get(nxt.group(1).replace("&amp;", "&"), headers=h).text)
    # volumes 0..29 (Zulu), 10, 20, 30 and one empty: 25 rows up to Zulu 22 (Alpha before
    # Zulu 10 and Bravo before Zulu 20: made first), then the rest, the empty volume last
    assert second == [f"Zulu {n}" for n in range(23, 30)] + ["Delta Mills", "Charlie Cans"]


def _csv(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_accounts_export_is_what_the_list_shows_every_page(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    for n in range(30):  # more than one page
        b.account(session, name=f"Echo {n:02d}", country="DE", volume=100 + n, industry="food")
    h = _as(session, w["admin"])
    query = "country=DE&sort=-volume"
    page = app_client.get(f"/accounts?{query}", headers=h).text
    assert 'href="/accounts.csv?country=DE&amp;sort=-volume"' in page
    rows = _csv(app_client.get(f"/accounts.csv?{query}", headers=h))
    assert rows[0] == [
        "Account",
        "Customer no.",
        "Owner",
        "Country",
        "Industry",
        "Territory",
        "Volume",
        "Potential",
    ]
    names = [r[0] for r in rows[1:]]
    assert names[:25] == _names(page)  # the first page, in the page's order
    assert len(names) == 32  # every page: 30 Echo, Delta Mills, Charlie Cans
    assert names[-2:] == ["Delta Mills", "Charlie Cans"]
    delta = rows[-2]
    assert delta[2:7] == ["Anna Berg", "DE", "Food", "", "30"]
    book = load_workbook(io.BytesIO(app_client.get(f"/accounts.xlsx?{query}", headers=h).content))
    sheet = book.active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in cells[1:]] == names
    assert cells[1][6] == 129 and cells[-1][6] is None


def test_saved_filters_are_the_users_own(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    anna, zoe = _as(session, w["analyst"]), _as(session, w["admin"])
    saved = app_client.post(
        "/saved-filters",
        headers=anna,
        data={
            "list": "/accounts",
            "name": "German food",
            "query": "country=DE&sort=-volume&offset=25",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/accounts?country=DE&sort=-volume"  # no paging kept
    html = app_client.get("/accounts", headers=anna).text
    link = re.search(r'<a href="([^"]+)" data-testid="saved-filter">German food</a>', html)
    assert link and link.group(1) == "/accounts?country=DE&amp;sort=-volume"
    assert "German food" not in app_client.get("/accounts", headers=zoe).text
    filter_id = int(re.search(r'action="/saved-filters/(\d+)/delete"', html).group(1))  # type: ignore[union-attr]
    assert app_client.post(f"/saved-filters/{filter_id}/delete", headers=zoe).status_code == 404
    assert "German food" in app_client.get("/accounts", headers=anna).text
    gone = app_client.post(
        f"/saved-filters/{filter_id}/delete", headers=anna, follow_redirects=False
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/accounts"
    assert "German food" not in app_client.get("/accounts", headers=anna).text


def test_saved_filter_refuses_a_foreign_list_and_an_empty_name(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _accounts_world(session)
    h = _as(session, w["admin"])
    for data, field in (
        ({"list": "https://evil.example/x", "name": "x"}, "list"),
        ({"list": "//evil.example", "name": "x"}, "list"),
        ({"list": "/accounts", "name": "   "}, "name"),
    ):
        answer = app_client.post("/saved-filters", headers=h, data=data, follow_redirects=False)
        assert answer.status_code == 422 and field in answer.text, data


def _quotes_world(session: Session) -> dict[str, Any]:
    """Three quotes of two accounts; contract values 1,234,567.80 EUR, 99.05 SEK and 0.00 EUR."""
    from datetime import date

    from servitize.offers.models import Quote

    admin = b.user(session, username="qboss", role="admin")
    acme, bolt = b.account(session, name="Acme"), b.account(session, name="Bolt", currency="SEK")
    for number, account, title, cents, currency, status, until in (
        ("Q-000001", bolt, "Retrofit", 9_905, "SEK", "sent", date(2027, 1, 31)),
        ("Q-000002", acme, "Uptime 98", 123_456_780, "EUR", "draft", date(2026, 12, 31)),
        ("Q-000003", acme, "Spare kit", 0, "EUR", "sent", date(2027, 3, 1)),
    ):
        session.add(
            Quote(
                number=number,
                account_id=account.id,
                title=title,
                contract_value_cents=cents,
                currency=currency,
                status=status,
                valid_until=until,
            )
        )
    session.flush()
    return {"admin": admin}


def _quote_rows(html: str) -> list[tuple[str, str, str]]:
    """(quote, account, contract value) of each row of the quotes page."""
    return re.findall(
        r'<a href="/quotes/\d+">([^<]+)</a></td>\s*<td>[^<]*</td>\s*<td><a href="/accounts/\d+">'
        r'([^<]+)</a></td>.*?<td class="num">([^<]+)</td>',
        html,
        flags=re.S,
    )


def test_quotes_sort_and_export_the_same_money(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _quotes_world(session)
    h = _as(session, w["admin"])
    page = app_client.get("/quotes", headers=h).text  # newest number first by default
    assert [r[0] for r in _quote_rows(page)] == ["Q-000003 r1", "Q-000002 r1", "Q-000001 r1"]
    page = app_client.get("/quotes?sort=-value", headers=h).text
    rows = _quote_rows(page)
    assert rows == [
        ("Q-000002 r1", "Acme", "1,234,567.80 EUR"),
        ("Q-000001 r1", "Bolt", "99.05 SEK"),
        ("Q-000003 r1", "Acme", "0.00 EUR"),
    ]
    account_sorted = _quote_rows(app_client.get("/quotes?sort=account&status=sent", headers=h).text)
    assert [r[0] for r in account_sorted] == ["Q-000003 r1", "Q-000001 r1"]
    assert app_client.get("/quotes?sort=notes", headers=h).status_code == 422
    exported = _csv(app_client.get("/quotes.csv?sort=-value", headers=h))
    assert exported[0] == [
        "Quote",
        "Title",
        "Account",
        "Status",
        "Contract value",
        "Currency",
        "Valid until",
    ]
    for (quote, account, shown), row in zip(rows, exported[1:], strict=True):
        assert (row[0], row[2]) == (quote, account)
        assert f"{float(row[4]):,.2f} {row[5]}" == shown  # the page's figure, to the cent
    assert exported[1][6] == "2026-12-31"
    book = load_workbook(io.BytesIO(app_client.get("/quotes.xlsx?sort=-value", headers=h).content))
    sheet = book.active
    assert sheet is not None
    values = [r[4] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [1234567.8, 99.05, 0]


def test_sold_contracts_sort_and_export_the_pages_mrr(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from servitize.offers.models import Contract

    admin = b.user(session, username="cboss", role="admin")
    acme, bolt = b.account(session, name="Acme"), b.account(session, name="Bolt")
    for number, account, fee, kind in (
        ("C-000001", bolt, 6_000, "subscription"),  # 60.00 EUR a month
        ("C-000002", acme, 123_455, "service_agreement"),  # 1,234.55 EUR
        ("C-000003", acme, 99_000, "licence"),  # 990.00 EUR
    ):
        session.add(
            Contract(
                number=number,
                account_id=account.id,
                kind=kind,
                name=f"{kind} of {account.name}",
                status="active",
                currency="EUR",
                fee_cents=fee,
                period="month",
                start_on=date(2026, 1, 1),
                minimum_term_end=date(2028, 12, 31),
            )
        )
    session.flush()
    h = _as(session, admin)
    contract = r'<a class="mono" href="/sold-contracts/\d+">(C-\d+)</a>'
    mrr = r'data-testid="mrr">([^<]+)<'
    default = app_client.get("/sold-contracts", headers=h).text
    assert re.findall(contract, default) == ["C-000003", "C-000002", "C-000001"]
    page = app_client.get("/sold-contracts?sort=-fee", headers=h).text
    assert re.findall(contract, page) == ["C-000002", "C-000003", "C-000001"]
    shown = re.findall(mrr, page)
    assert shown == ["1,234.55 EUR", "990.00 EUR", "60.00 EUR"]
    by_account = app_client.get("/sold-contracts?sort=account", headers=h).text
    assert re.findall(contract, by_account) == ["C-000002", "C-000003", "C-000001"]
    assert app_client.get("/sold-contracts?sort=mrr", headers=h).status_code == 422
    rows = _csv(app_client.get("/sold-contracts.csv?sort=-fee", headers=h))
    assert [r[0] for r in rows[1:]] == ["C-000002", "C-000003", "C-000001"]
    assert [f"{float(r[5]):,.2f} {r[6]}" for r in rows[1:]] == shown
    book = load_workbook(
        io.BytesIO(app_client.get("/sold-contracts.xlsx?sort=-fee", headers=h).content)
    )
    sheet = book.active
    assert sheet is not None
    assert [r[5] for r in sheet.iter_rows(min_row=2, values_only=True)] == [1234.55, 990, 60]


def test_leads_sort_by_value_and_export_the_same_values(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, date, datetime

    from servitize.field.models import LeadRoute
    from servitize.intelligence.models import Lead

    admin = b.user(session, username="lboss", role="admin")
    for name, cents, day in (
        ("Acme", 1_250_070, 3),  # 12,500.70 EUR: the page shows 12,501 (whole units)
        ("Bolt", 90_000, 5),  # 900.00
        ("Crane", 4_000_000, 4),  # 40,000.00
    ):
        account = b.account(session, name=name)
        lead = Lead(
            account_id=account.id,
            offering_key="retrofit",
            asset_ids=[],
            source="rule",
            rule="aging_fleet",
            score=0.5,
            estimated_value_cents=cents,
            currency="EUR",
            story="s",
            evidence={},
            status="open",
            as_of=date(2026, 11, day),
            expires_on=date(2027, 2, 1),
        )
        session.add(lead)
        session.flush()
        session.add(
            LeadRoute(
                lead_id=lead.id,
                account_id=account.id,
                route="account_owner",
                reason="r",
                stage="reported",
                reported_at=datetime(2026, 11, day, 9, tzinfo=UTC),
            )
        )
    session.flush()
    h = _as(session, admin)
    row = r'<span class="what">(\w+)</span>.*?<span class="value">([^<]+)</span>'
    newest = re.findall(row, app_client.get("/inbox", headers=h).text, flags=re.S)
    assert [n for n, _v in newest] == ["Bolt", "Crane", "Acme"]  # reported 5, 4, 3 Nov
    page = app_client.get("/inbox?sort=-value", headers=h).text
    shown = re.findall(row, page, flags=re.S)
    assert shown == [("Crane", "40,000 EUR"), ("Acme", "12,501 EUR"), ("Bolt", "900 EUR")]
    assert 'href="/inbox.csv?stage=open&amp;sort=-value"' in page
    assert app_client.get("/inbox?sort=story", headers=h).status_code == 422
    rows = _csv(app_client.get("/inbox.csv?stage=open&sort=-value", headers=h))
    assert [(r[1], f"{int(r[3]):,} {r[4]}") for r in rows[1:]] == shown
    book = load_workbook(io.BytesIO(app_client.get("/inbox.xlsx?sort=account", headers=h).content))
    sheet = book.active
    assert sheet is not None
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["Acme", "Bolt", "Crane"]


def test_opportunities_list_sorts_pages_and_exports(session, app_client) -> None:  # type: ignore[no-untyped-def]
    from servitize.sales.models import Opportunity

    admin = b.user(session, username="oboss", role="admin")
    acme, bolt = b.account(session, name="Acme"), b.account(session, name="Bolt")
    for title, account, cents, status in (
        ("Retrofit", bolt, 1_250_070, "open"),  # 12,500.70: the list shows 12,501 EUR
        ("Uptime", acme, None, "open"),
        ("Spares", acme, 90_000, "won"),
    ):
        session.add(
            Opportunity(
                account_id=account.id,
                title=title,
                status=status,
                owner_id=admin.id,
                currency="EUR",
                value_cents=cents,
                probability=50,
            )
        )
    session.flush()
    h = _as(session, admin)
    title = r'<td class="primary"><a href="/opportunities/\d+">(\w+)</a>'
    value = r'data-testid="value">([^<]+)<'
    page = app_client.get("/opportunities?view=list", headers=h).text
    assert re.findall(title, page) == ["Spares", "Uptime", "Retrofit"]  # newest first
    page = app_client.get("/opportunities?view=list&sort=-value", headers=h).text
    assert re.findall(title, page) == ["Retrofit", "Spares", "Uptime"]  # no value last
    shown = [v.replace("\xa0", " ").replace("&nbsp;", " ") for v in re.findall(value, page)]
    assert shown == ["12,501 EUR", "900 EUR", "—"]
    assert re.findall(
        title, app_client.get("/opportunities?view=list&sort=account&status=open", headers=h).text
    ) == ["Uptime", "Retrofit"]
    assert app_client.get("/opportunities?view=list&sort=terms", headers=h).status_code == 422
    rows = _csv(app_client.get("/opportunities.csv?view=list&sort=-value", headers=h))
    assert [r[1] for r in rows[1:]] == ["Retrofit", "Spares", "Uptime"]
    assert [f"{int(r[6]):,} {r[7]}" if r[6] else "—" for r in rows[1:]] == shown
    book = load_workbook(
        io.BytesIO(app_client.get("/opportunities.xlsx?sort=title", headers=h).content)
    )
    sheet = book.active
    assert sheet is not None
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Retrofit",
        "Spares",
        "Uptime",
    ]


def test_users_list_sorts_and_exports(session, app_client) -> None:  # type: ignore[no-untyped-def]
    admin = b.user(session, username="uboss", full_name="Zed Boss", role="admin")
    b.user(session, username="ann", full_name="Ann Young", role="technician", territory="north")
    b.user(session, username="bob", full_name="Bob Old", role="analyst", active=False)
    h = _as(session, admin)
    user = r'<td><a href="/admin/users/\d+">(\w+)</a></td>'
    page = app_client.get(
        "/admin/users?q=b&sort=-name", headers=h
    ).text  # Zed Boss, Bob Old (not Ann)
    assert re.findall(user, page) == ["uboss", "bob"]
    by_state = re.findall(user, app_client.get("/admin/users?sort=state", headers=h).text)
    assert by_state[0] == "bob"  # deactivated (false) before active
    assert app_client.get("/admin/users?sort=password_hash", headers=h).status_code == 422
    rows = _csv(app_client.get("/admin/users.csv?q=b&sort=-name", headers=h))
    assert [r[0] for r in rows[1:]] == ["uboss", "bob"]
    assert rows[2][2:] == ["Analyst", "", "", "deactivated"]
    assert (
        app_client.get("/admin/users.csv", headers=_as(session, b.user(session))).status_code == 403
    )

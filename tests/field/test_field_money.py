"""Field money by kit.money's convention (docs/money.md): lead routing at the rates in force
today, sign-up sheet totals that never count one currency as another, and the same amounts on
the sheet page, the account 360 fragment, the PDF and the API."""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from servitize.core.settings import FieldSettings, Settings
from servitize.field import service, sheets
from servitize.field.schemas import Signing
from servitize.installed_base.models import Account, ExchangeRate, Offering, Visit
from servitize.trust.audit import Actor
from servitize.trust.models import User
from tests import builders as b
from tests.field.conftest import token_for
from tests.field.seed import Field, rule_lead
from tests.field.test_pages import log_in

TODAY = date.today()
COMPANY = Settings(company_currency="EUR")


def _rates(session: Session, currency: str, *rates: tuple[int, float]) -> None:
    """Rates of a currency dated ``days`` from today (negative: past, positive: future)."""
    session.add_all(
        [ExchangeRate(currency=currency, day=TODAY + timedelta(days=d), rate=r) for d, r in rates]
    )
    session.flush()


def _sek_account(session: Session, field: Field) -> Account:
    """A north account in SEK with tom's visit today and one open EUR rule lead of 400 EUR."""
    olga, tom = session.get(User, field.olga), session.get(User, field.tom)
    nordic = b.account(
        session,
        name="Nordic Paper",
        owner_id=olga.id,
        territory="north",  # type: ignore[union-attr]
        currency="SEK",
    )
    b.visit(session, tom, nordic, day=TODAY)
    rule_lead(session, nordic.id, estimated_value_cents=400_00, currency="EUR", score=0.99)
    return nordic


def _route_of_nordic(session: Session, nordic: Account) -> tuple[str, str]:
    from sqlalchemy import select

    from servitize.field.models import LeadRoute

    s = FieldSettings(threshold_by_currency={"SEK": 5_000})
    service.route_new_leads(session, Actor("t"), TODAY, s, COMPANY)
    row = session.scalar(select(LeadRoute).where(LeadRoute.account_id == nordic.id))
    return row.route, row.reason  # type: ignore[union-attr]


def test_a_lead_is_routed_at_the_rate_in_force_today_not_a_future_one(
    session: Session, field: Field
) -> None:
    nordic = _sek_account(session, field)
    # 1 SEK = 0.10 EUR since last month; a planned 0.05 from next month is not in force yet.
    # 400 EUR / 0.10 = 4,000 SEK < the 5,000 SEK threshold: the technician of today's visit.
    # (At the future rate it would be 400 / 0.05 = 8,000 SEK: the owner.)
    _rates(session, "SEK", (-30, 0.10), (30, 0.05))
    route, reason = _route_of_nordic(session, nordic)
    assert route == "technician", reason


def test_a_lead_whose_currency_has_only_a_future_rate_is_not_converted(
    session: Session, field: Field
) -> None:
    nordic = _sek_account(session, field)
    _rates(session, "SEK", (30, 0.20))  # 400 / 0.20 = 2,000 SEK, but not before next month
    assert _route_of_nordic(session, nordic) == (
        "account_owner",
        "no exchange rate between EUR and SEK in force: the owner decides",
    )


def _signed_sheet(session: Session, field: Field, *offering_ids: int):  # type: ignore[no-untyped-def]
    tom = session.get(User, field.tom)
    sheet = sheets.propose_sheet(session, tom, session.get(Visit, field.visit_tom), TODAY)  # type: ignore[arg-type]
    sheets.set_lines(session, tom, sheet, list(offering_ids))  # type: ignore[arg-type]
    ids = [x.id for x in sheets.sheet_read(session, sheet).lines]
    sheets.sign(
        session,
        tom,
        sheet,
        Signing(
            line_ids=ids,
            signer_name="Hanna Vogt",  # type: ignore[arg-type]
            signed_on="paper",
        ),
        TODAY,
    )
    return sheet


def _chf_filter_swap(session: Session) -> Offering:
    return b.offering(
        session,
        name="Filter swap",
        family="inspection",
        currency="CHF",
        list_price_cents=500_00,
        sign_up_eligible=True,
    )


def test_a_sheet_in_two_currencies_never_counts_francs_as_euros(
    session: Session, field: Field, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVITIZE_COMPANY_CURRENCY", "EUR")
    chf = _chf_filter_swap(session)  # no CHF rate at all
    sheet = _signed_sheet(session, field, field.hose_check, chf.id)
    read = sheets.sheet_read(session, sheet)
    # hose check 350.00 EUR in the total; the 500.00 CHF shown apart, never as 500 EUR
    assert (read.total_ticked, read.currency) == (Decimal("350.00"), "EUR")
    assert [(u.amount, u.currency) for u in read.unconverted] == [(Decimal("500.00"), "CHF")]


def test_a_sheet_in_two_currencies_converts_at_the_signing_days_rate(
    session: Session, field: Field, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVITIZE_COMPANY_CURRENCY", "EUR")
    chf = _chf_filter_swap(session)
    _rates(session, "CHF", (-10, 0.95), (10, 2.00))  # in force on the signing day: 0.95
    sheet = _signed_sheet(session, field, field.hose_check, chf.id)
    read = sheets.sheet_read(session, sheet)
    # 350.00 EUR + 500.00 CHF x 0.95 = 350.00 + 475.00 = 825.00 EUR
    assert (read.total_ticked, read.currency) == (Decimal("825.00"), "EUR")
    assert read.unconverted == []


def _pdf_text(data: bytes) -> str:
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return "\n".join(out)


def test_page_fragment_pdf_and_api_show_the_same_ordered_amount(
    web: TestClient, session: Session, field: Field
) -> None:
    hose = session.get(Offering, field.hose_check)
    hose.list_price_cents = 350_50  # type: ignore[union-attr]  # a price with cents
    session.flush()
    sheet = _signed_sheet(session, field, field.hose_check)
    log_in(web, "tom")
    page = web.get(f"/sheets/{sheet.id}").text
    shown = re.search(r'data-testid="ordered-total">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert shown == "350.50 EUR"  # not "350 EUR": the customer is ordered 350.50
    assert re.search(r'class="price">350\.50 EUR<', page)
    assert "350.50 EUR" in web.get(f"/accounts/{field.acme}/field").text
    assert "Ordered: 350.50 EUR" in _pdf_text(web.get(f"/sheets/{sheet.id}.pdf").content)
    body = web.get(f"/api/v1/sheets/{sheet.id}", headers=token_for(session, field.tom)).json()
    assert (body["total_ticked"], body["currency"], body["lines"][0]["amount"]) == (
        "350.50",
        "EUR",
        "350.50",
    )

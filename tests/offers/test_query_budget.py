"""The quote page costs a fixed number of SQL statements, however many lines, catalogue items,
machines and revisions it shows (the quote benchmark's page: a draft being edited, with its
line editor, its standard formulas and the differences to the revision before)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.offers import quotes
from servitize.offers.models import OfferingPrice
from servitize.offers.schemas import FormulaLineIn, LineIn, QuoteCreate
from servitize.trust.context import Context
from servitize.trust.service import issue_token
from tests import builders as b
from tests.query_budget import QueryCounter, assert_budget, count_queries

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
# the token, the quote, its account, its lines and their items, the catalogue, the revisions, the
# previous revision's lines, the catalogue's formulas, the account's machines
BUDGET = 10


def _quote(session: Session, n_lines: int, n_items: int, n_machines: int):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    machines = [b.asset(session, account) for _ in range(n_machines)]
    items = []
    for i in range(n_items):
        model = ("one_time", "subscription", "licence")[i % 3]
        item = b.offering(session, revenue_model=model, list_price_cents=10_000 + i)
        terms: dict[str, object] = {"period": "month"} if model == "subscription" else {}
        if i == 1:
            terms["formula"] = {"base_by_size_cents": {"M": 4_500}, "hourly_cents": "0.1"}
        session.add(OfferingPrice(offering_id=item.id, model=model, terms=terms))
        items.append(item)
    session.flush()
    ctx = Context(session, owner, Settings(), NOW)
    q = quotes.create_quote(ctx, QuoteCreate(account_id=account.id, title="Uptime"))
    for i in range(n_lines):
        quotes.add_line(
            ctx,
            q.id,
            LineIn(
                offering=items[i % n_items].external_id,
                asset_ids=[m.id for m in machines[:2]],
                bundle="Uptime" if i % 2 else None,
            ),
        )
    quotes.add_formula_line(
        ctx, q.id, FormulaLineIn(offering=items[1].external_id, machines=3, size_class="M")
    )
    q = quotes.revise(ctx, q.id)
    quotes.add_line(ctx, q.id, LineIn(offering=items[0].external_id, quantity=D(2)))
    return owner, q


def _page(session: Session, app_client, engine, owner, quote_id: int) -> QueryCounter:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    assert app_client.get(f"/quotes/{quote_id}", headers=headers).status_code == 200
    with count_queries(engine) as counted:
        page = app_client.get(f"/quotes/{quote_id}", headers=headers)
    assert page.status_code == 200 and 'data-testid="diff"' in page.text
    assert 'data-testid="formula"' in page.text
    return counted


def test_the_quote_page_costs_the_same_few_statements_at_any_size(
    session: Session, app_client, engine
) -> None:  # type: ignore[no-untyped-def]
    owner, small = _quote(session, n_lines=2, n_items=3, n_machines=2)
    few = _page(session, app_client, engine, owner, small.id)
    owner, large = _quote(session, n_lines=12, n_items=60, n_machines=15)
    many = _page(session, app_client, engine, owner, large.id)
    assert few.count == many.count, f"{few.report()}\n---\n{many.report()}"
    assert_budget(many, BUDGET)

"""The analytics batch's records read as the driver's plain rows and converted column by column
(``records.load_records``) are the tables the ORM's rows converted one by one by
``Rates.convert`` give (the way they were read before), on SQLite and PostgreSQL; and a few
converted amounts worked by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from servitize.installed_base.models import (
    Account,
    Asset,
    ExchangeRate,
    Offering,
    Order,
    ServiceEvent,
    Visit,
    order_asset,
)
from servitize.intelligence.records import SCHEMAS, load_records
from servitize.kit.money import Rates
from servitize.trust.models import User
from tests import builders as b

AS_OF = date(2026, 11, 23)
RATES = [
    ("USD", date(2026, 1, 1), 0.9),
    ("USD", date(2026, 6, 1), 0.95),
    ("SEK", date(2026, 2, 1), 0.087),
    ("SEK", date(2026, 4, 1), 0.09),
    ("SEK", date(2026, 12, 1), 0.5),  # after AS_OF: never for a list price
    ("CHF", date(2026, 1, 1), 1.0625),
]


def _build(session: Session) -> None:
    owner = b.user(session, username="rc-owner", role="account_owner")
    tech = b.user(session, username="rc-tech", role="technician", territory="north")
    b.user(session, username="rc-admin", role="admin")  # no territory
    kit = b.offering(
        session,
        external_id="RC-KIT",
        family="retrofit",
        shell="expanded_range",
        revenue_model="one_time",
        list_price_cents=2_500_00,
        currency="CHF",
    )
    pm = b.offering(
        session,
        external_id="RC-PM",
        family="maintenance_contract",
        shell="service",
        revenue_model="subscription",
        list_price_cents=1_400_00,
        currency="SEK",
    )
    odd = b.offering(session, external_id="RC-GBP", list_price_cents=99_99, currency="GBP")
    dealer = b.account(session, name="Dealer", kind="dealer", territory=None)
    acme = b.account(
        session,
        name="Acme",
        owner_id=owner.id,
        dealer_id=dealer.id,
        territory="north",
        ownership_type="listed",
        volume=4,
        technical_risk=2,
    )
    plant = b.site(session, acme)
    pump = b.asset(
        session,
        acme,
        site_id=plant.id,
        connectivity="legacy",
        coverage="maintenance",
        warranty_end=date(2027, 1, 31),
        contract_end=date(2026, 12, 31),
    )
    mill = b.asset(session, acme, origin="competitor", install_date=None, product_line="mills")
    events = [
        (pump, date(2025, 12, 1), 250_00, "USD", "repair"),  # before USD's first rate: 0.9
        (pump, date(2026, 6, 1), 101, "USD", "maintenance"),  # on a rate's day: 0.95
        (pump, date(2026, 3, 3), 333_33, "SEK", "inspection"),
        (mill, date(2026, 5, 5), 120_00, "GBP", "repair"),  # no GBP rate: null
        (mill, date(2026, 7, 7), -45_67, "EUR", "visit"),
        (mill, date(2026, 8, 8), 7, "CHF", "repair"),
    ]
    for asset, day, cents, currency, kind in events:
        b.service_event(
            session,
            asset,
            day=day,
            parts_cost_cents=cents,
            currency=currency,
            kind=kind,
            component=None if kind == "visit" else "seal",
            labour_hours=1.5,
            downtime_hours=0.25,
        )
    sold = b.order(session, acme, kit, day=date(2026, 2, 20), amount_cents=2_400_00, currency="CHF")
    session.execute(insert(order_asset).values(order_id=sold.id, asset_id=mill.id))
    b.order(session, acme, pm, day=date(2026, 3, 10), amount_cents=1000_00, currency="SEK")
    b.order(session, acme, pm, day=date(2026, 4, 1), amount_cents=1000_00, currency="SEK")
    b.order(session, dealer, odd, day=date(2026, 4, 2), amount_cents=5_00, currency="GBP")
    b.order(session, acme, pm, day=date(2026, 9, 9), amount_cents=-12_34, quantity=2.5)
    b.visit(session, tech, acme, day=date(2026, 10, 1))
    session.add_all(ExchangeRate(currency=c, day=d, rate=r) for c, d, r in RATES)
    session.flush()


def _expected(session: Session) -> dict[str, pa.Table]:
    """The tables from the ORM's rows (enum members, dates decoded per row) with each amount
    converted by ``Rates.convert`` one by one: the reference."""
    series: dict[str, list[tuple[date, float]]] = {}
    for c, d, r in sorted(RATES):
        series.setdefault(c, []).append((d, r))
    rates, in_force = Rates(series, "EUR"), Rates(series, "EUR", as_of=AS_OF)

    def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist(rows, schema=SCHEMAS[name])

    accounts = session.scalars(select(Account)).all()
    assets = session.scalars(select(Asset)).all()
    events = session.scalars(select(ServiceEvent)).all()
    offerings = {o.id: o for o in session.scalars(select(Offering))}
    orders = session.scalars(select(Order)).all()
    keys = [f.name for f in SCHEMAS["accounts"]][1:]
    return {
        "accounts": table(
            "accounts", [{"account_id": a.id, **{k: getattr(a, k) for k in keys}} for a in accounts]
        ),
        "assets": table(
            "assets",
            [
                {"asset_id": a.id, **{k: getattr(a, k) for k in SCHEMAS["assets"].names[1:]}}
                for a in assets
            ],
        ),
        "events": table(
            "events",
            [
                {
                    **{k: getattr(e, k) for k in SCHEMAS["events"].names},
                    "parts_cost_cents": rates.convert(e.parts_cost_cents, e.currency, e.day),
                }
                for e in events
            ],
        ),
        "orders": table(
            "orders",
            [
                {
                    **{k: getattr(o, k) for k in SCHEMAS["orders"].names if hasattr(o, k)},
                    "family": offerings[o.offering_id].family,
                    "shell": offerings[o.offering_id].shell,
                    "amount": rates.convert(o.amount_cents, o.currency, o.day),
                }
                for o in orders
            ],
        ),
        "offerings": table(
            "offerings",
            [
                {
                    "offering_id": o.id,
                    **{k: getattr(o, k) for k in SCHEMAS["offerings"].names[1:]},
                    "list_price_cents": in_force.convert(o.list_price_cents, o.currency, AS_OF),
                }
                for o in offerings.values()
            ],
        ),
        "visits": table(
            "visits",
            [
                {"account_id": v.account_id, "technician_id": v.technician_id, "day": v.day}
                for v in session.scalars(select(Visit))
            ],
        ),
        "users": table(
            "users",
            [
                {"user_id": u.id, "role": u.role, "territory": u.territory}
                for u in session.scalars(select(User))
            ],
        ),
        "rates": table(
            "rates", [{"currency": c, "day": d, "rate": r} for c, s in series.items() for d, r in s]
        ),
    }


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by([(c, "ascending") for c in t.column_names])


def test_the_columnar_records_are_the_ones_converted_row_by_row(session: Session) -> None:
    _build(session)
    records = load_records(session, "EUR", ["RC-KIT"], AS_OF)
    expected = _expected(session)
    for name, want in expected.items():
        got = getattr(records, name)
        assert got.schema == SCHEMAS[name]
        assert _sorted(got).equals(_sorted(want)), name
    retrofits = records.retrofits.to_pylist()
    mill = session.scalar(select(Asset.id).where(Asset.product_line == "mills"))
    assert retrofits == [{"asset_id": mill, "day": date(2026, 2, 20)}]


def test_hand_worked_amounts_in_the_company_currency(session: Session) -> None:
    _build(session)
    records = load_records(session, "EUR", ["RC-KIT"], AS_OF)
    events = sorted(
        (e["day"], e["parts_cost_cents"], e["kind"], e["component"])
        for e in records.events.to_pylist()
    )
    assert events == [
        (date(2025, 12, 1), 225_00, "repair", "seal"),  # 250.00 USD x 0.9
        (date(2026, 3, 3), 2900, "inspection", "seal"),  # 333.33 SEK x 0.087 = 28.99971
        (date(2026, 5, 5), None, "repair", "seal"),  # GBP: no rate, never 1:1
        (date(2026, 6, 1), 96, "maintenance", "seal"),  # 1.01 USD x 0.95 = 0.9595
        (date(2026, 7, 7), -45_67, "visit", None),  # EUR 1:1
        (date(2026, 8, 8), 7, "repair", "seal"),  # 0.07 CHF x 1.0625 = 0.074375
    ]
    orders = sorted((o["day"], o["amount_cents"], o["amount"]) for o in records.orders.to_pylist())
    assert orders == [
        (date(2026, 2, 20), 2_400_00, 2_550_00),  # 2,400 CHF x 1.0625
        (date(2026, 3, 10), 1000_00, 87_00),  # SEK at 0.087
        (date(2026, 4, 1), 1000_00, 90_00),  # on the day of 0.09
        (date(2026, 4, 2), 5_00, None),  # GBP
        (date(2026, 9, 9), -12_34, -12_34),  # EUR
    ]
    prices = {o["external_id"]: o["list_price_cents"] for o in records.offerings.to_pylist()}
    # as of 2026-11-23 SEK is at 0.09 (0.5 from 2026-12-01 is not in force yet)
    assert prices == {"RC-KIT": 2_656_25, "RC-PM": 126_00, "RC-GBP": None}

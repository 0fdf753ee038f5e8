"""``servitize quotes`` and ``servitize billing lines`` print words a person reads by default
(amounts with separators and currency, no JSON, no None) and JSON with --json."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.offers import quotes
from servitize.offers.models import BillingLine, OfferingPrice
from servitize.offers.schemas import LineIn, QuoteCreate
from servitize.trust.context import Context
from tests import builders as b
from tests.conftest import migrated_sqlite

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)


def _world(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite(tmp_path / "words.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        owner = b.user(session, username="qowner", role="account_owner")
        account = b.account(session, name="Nordic Paper", owner_id=owner.id)
        kit = b.offering(
            session, name="Sensor kit", revenue_model="one_time", list_price_cents=1_234_55
        )
        session.add(OfferingPrice(offering_id=kit.id, model="one_time", terms={}))
        session.flush()
        ctx = Context(session, owner, Settings(), NOW)
        q = quotes.create_quote(ctx, QuoteCreate(account_id=account.id, title="Retrofit"))
        quotes.add_line(ctx, q.id, LineIn(offering=kit.external_id, quantity=2))
        for key, cents, kind in (("W1", 1_234_567_80, "fee"), ("W2", -161_80, "penalty")):
            session.add(
                BillingLine(
                    key=key, period="2026-03", account_id=account.id, kind=kind,
                    description=f"{kind} of March", amount_cents=cents, currency="EUR",
                    created_at=NOW,
                )
            )  # fmt: skip
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))


def _clean(text: str) -> None:
    assert "None" not in text and "datetime." not in text and "Decimal(" not in text
    assert not text.lstrip().startswith("{")


def test_quotes_and_billing_lines_in_words_and_as_json(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _world(tmp_path, monkeypatch)
    run = CliRunner().invoke
    listed = run(app, ["quotes", "list"])
    assert listed.exit_code == 0, listed.output
    _clean(listed.stdout)
    lines = listed.stdout.splitlines()
    # 2 x 1,234.55 = 2,469.10 EUR once
    assert lines[0] == "1 quote"
    assert lines[1].startswith("Q-") and "Retrofit  draft  2,469.10 EUR  valid until" in lines[1]
    number = lines[1].split()[0]
    shown = run(app, ["quotes", "show", "1"])
    assert shown.exit_code == 0, shown.output
    _clean(shown.stdout)
    assert "  2 x Sensor kit: 1,234.55 EUR once" in shown.stdout
    assert "one time 2,469.10 EUR; monthly 0.00 EUR;" in shown.stdout
    as_json = json.loads(run(app, ["quotes", "show", "1", "--json"]).stdout)
    assert as_json["number"] == number and as_json["totals"]["one_time"] == "2469.10"
    listed_json = run(app, ["quotes", "list", "--json"]).stdout.splitlines()
    assert [json.loads(x)["number"] for x in listed_json] == [number]

    billed = run(app, ["billing", "lines", "--period", "2026-03"])
    assert billed.exit_code == 0, billed.output
    _clean(billed.stdout)
    out = billed.stdout.splitlines()
    assert out[0] == "2 billing lines of 2026-03"
    assert "Nordic Paper" in out[1] and out[1].endswith("fee of March  1,234,567.80 EUR")
    assert out[2].endswith("penalty of March  -161.80 EUR")
    # 1,234,567.80 - 161.80 = 1,234,406.00
    assert out[-1] == "total 1,234,406.00 EUR"
    rows = [
        json.loads(x)
        for x in run(app, ["billing", "lines", "--period", "2026-03", "--json"]).stdout.splitlines()
    ]
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("fee", "1234567.80"),
        ("penalty", "-161.80"),
    ]
    assert {r["period"] for r in rows} == {"2026-03"}

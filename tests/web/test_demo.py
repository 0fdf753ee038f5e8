"""`servitize demo --no-serve`: the sample manufacturer, built end to end, is ready to log in to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from servitize.cli import app
from servitize.contracts.models import AvailabilityContract
from servitize.core.db import make_engine
from servitize.installed_base.models import Account, Asset, Visit
from servitize.intelligence.models import Lead
from servitize.offers.models import BillingLine, BillingPeriod, Contract, Quote, QuoteLine
from servitize.trust.models import Role, User
from servitize.trust.service import user_by_password
from servitize.web.cli import DEMO_PASSWORD


@pytest.mark.slow  # builds and imports the whole sample manufacturer
def test_demo_builds_a_manufacturer_with_leads_and_logins(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--accounts", "80", "--seed", "3"])
    assert result.exit_code == 0, result.output

    shown = {
        line.split("log in as ")[1].split(" ")[0]: line.split("(")[1].split(")")[0]
        for line in result.output.splitlines()
        if "log in as" in line
    }
    assert set(shown.values()) == {r.value for r in Role}

    engine = make_engine(url)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        for username in shown:
            assert user_by_password(session, username, DEMO_PASSWORD) is not None, username
        assert session.scalar(select(func.count()).select_from(Account)) >= 80
        assert session.scalar(select(func.count()).select_from(Asset)) > 300
        assert session.scalar(select(func.count()).select_from(Lead)) > 0
        technician = next(u for u, role in shown.items() if role == "technician")
        tech_id = session.scalar(select(User.id).where(User.username == technician))
        this_week = session.scalar(
            select(func.count())
            .select_from(Visit)
            .where(
                Visit.technician_id == tech_id,
                Visit.day >= date.today(),
                Visit.day < date.today() + timedelta(days=7),
            )
        )
        assert this_week > 0  # the technician shown has something on "Today"
        owner = next(u for u, role in shown.items() if role == "account_owner")
        contract_owner = session.scalar(
            select(User.username)
            .join(Account, Account.owner_id == User.id)
            .join(AvailabilityContract, AvailabilityContract.account_id == Account.id)
        )
        assert contract_owner == owner  # the owner shown can open the operation report
        # offers: quotes in every state, contracts from the accepted ones, a year of billing
        states = set(session.scalars(select(Quote.status)))
        assert {"draft", "pending_approval", "approved", "sent", "accepted", "superseded"} <= states
        expired = select(func.count()).where(
            Quote.status == "sent", Quote.valid_until < date.today()
        )
        assert session.scalar(expired) == 1
        assert session.scalar(select(func.count()).select_from(Contract)) >= 5
        periods = list(session.scalars(select(BillingPeriod)))
        assert len(periods) == 12 and sum(p.closed for p in periods) == 11
        assert session.scalar(select(func.count()).select_from(BillingLine)) > 12
        # no availability contract promises more than the sales policy's 98 %
        assert session.scalar(select(func.max(AvailabilityContract.target_pct))) == 98.0
        # no machine is under two availability contracts at once (the press line's hand-made one
        # ends the day the bundle sold on its machines begins), and a budget offer is priced by
        # a standard formula
        spans: dict[str, list[tuple[datetime, datetime | None]]] = {}
        for ac in session.scalars(select(AvailabilityContract)):
            for serial in ac.serials or []:
                spans.setdefault(serial, []).append((ac.valid_from, ac.valid_to))
        for serial, held in spans.items():
            held.sort(key=lambda span: span[0])
            for (_start, end), (later, _end) in pairwise(held):
                assert end is not None and end <= later, serial
        budget = session.scalar(select(Quote).where(Quote.kind == "budget"))
        assert budget is not None
        assert session.scalar(
            select(func.count()).where(
                QuoteLine.quote_id == budget.id, QuoteLine.formula.is_not(None)
            )
        )
    engine.dispose()

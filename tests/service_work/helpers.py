"""Builders of service work's tests: a small service organisation (a manager, technicians with
skills, a customer with a machine), a signed sign-up line, telemetry and consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from servitize.core.settings import Settings
from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.models import Account, Asset, Offering, Order, Visit
from servitize.service_work.models import TechnicianSkill
from servitize.telemetry.models import DataSharingAgreement
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.context import Context, context_of
from servitize.trust.models import User
from tests import builders as b

# A Monday: the week of 7 to 11 December 2026 has no holiday.
MONDAY = date(2026, 12, 7)
PASSWORD = "service-work-pass-1"


@dataclass
class Org:
    """Who and what the tests use."""

    session: Session
    manager: User
    tech: User  # skills: hydraulics
    other_tech: User  # no skills
    admin: User
    analyst: User
    account: Account
    asset: Asset
    part: Offering
    service_offering: Offering

    def ctx(self, user: User, today: date = MONDAY, **settings: object) -> Context:
        return context_of(self.session, user, Settings(**settings), today)  # type: ignore[arg-type]


def org(session: Session, password: str | None = None) -> Org:
    """A manager, two technicians (one with hydraulics), a customer with a machine, a part."""
    kw = {"password": password} if password else {}
    manager = b.user(
        session, username=b._next("mgr"), role="service_manager", full_name="Mia Manager", **kw
    )
    tech = b.user(
        session,
        username=b._next("tom"),
        role="technician",
        territory="north",
        full_name="Tom Tech",
        **kw,
    )
    other = b.user(
        session,
        username=b._next("tina"),
        role="technician",
        territory="north",
        full_name="Tina Tech",
    )
    admin = b.user(session, username=b._next("adm"), role="admin")
    analyst = b.user(session, username=b._next("ana"), role="analyst")
    session.add(TechnicianSkill(user_id=tech.id, skill="hydraulics"))
    account = b.account(session, name="Acme Press", territory="north")
    asset = b.asset(session, account, serial=b._next("SN"), model="PX-200")
    part = b.offering(
        session, name="Seal kit", shell="spare_parts", list_price_cents=12_50, currency="EUR"
    )
    offering = b.offering(
        session, name="Hydraulic check", shell="service", sign_up_eligible=True, currency="EUR"
    )
    session.flush()
    return Org(session, manager, tech, other, admin, analyst, account, asset, part, offering)


def signed_line(o: Org, technician: User | None = None) -> int:
    """A signed sheet line (with its order) of the org's account: sold work to dispatch."""
    s = o.session
    tech = technician or o.tech
    visit = b.visit(s, tech, o.account, day=MONDAY - timedelta(days=3))  # sold the Friday before
    sheet = SignUpSheet(
        visit_id=visit.id,
        account_id=o.account.id,
        technician_id=tech.id,
        status="signed",
        signer_name="Eva Buyer",
        signed_on="paper",
        signed_at=datetime(2026, 12, 7, 10, tzinfo=UTC),
    )
    s.add(sheet)
    s.flush()
    order = b.order(s, o.account, o.service_offering, channel="technician")
    line = SignUpLine(
        sheet_id=sheet.id,
        offering_id=o.service_offering.id,
        reason="hoses sweat",
        unit_price_cents=300_00,
        currency="EUR",
        ticked=True,
        order_id=order.id,
    )
    s.add(line)
    s.flush()
    assert isinstance(order, Order)
    return line.id


def visit_at(o: Org, tech: User, day: date, start: str | None, minutes: int | None) -> Visit:
    """A visit of a technician at a time (None: all day)."""
    from servitize.service_work.rules import parse_time

    return b.visit(
        o.session,
        tech,
        o.account,
        day=day,
        start_time=parse_time(start) if start else None,
        duration_minutes=minutes,
    )


def consent(session: Session, account: Account, kinds: list[str], purposes: list[str]) -> None:
    """An agreement of the account from 2020 on."""
    session.add(
        DataSharingAgreement(
            account_id=account.id,
            data_kinds=kinds,
            purposes=purposes,
            valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            recorded_by="test",
        )
    )
    session.flush()


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def telemetry(
    root: Path,
    statuses: list[tuple[str, datetime, str]] = (),  # type: ignore[assignment]
    measures: list[tuple[str, datetime, str, float]] = (),  # type: ignore[assignment]
) -> TelemetryStore:
    """A telemetry store under ``root`` holding these readings."""
    store = TelemetryStore(root)
    batch = Batch()
    now = _us(datetime(2026, 12, 7, tzinfo=UTC))
    for serial, ts, state in statuses:
        batch.add_status(serial, _us(ts), state, None, now, "test")
    for serial, ts, metric, value in measures:
        batch.add_measure(serial, _us(ts), metric, value, None, now, "test")
    store.write(batch)
    return store

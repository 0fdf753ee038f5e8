"""Service work's use cases on a real database: sold sheet lines become dispatched work,
scheduling refusals, history on completion, PM plan runs, machine alerts under consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from servitize.core.settings import AlertRule, Settings, WorkSettings
from servitize.installed_base.models import Asset, ServiceEvent, Visit
from servitize.service_work import alerts, dispatch, plans, service
from servitize.service_work.models import WorkOrder
from servitize.trust.models import AuditEntry
from tests.service_work.helpers import MONDAY, consent, org, signed_line, telemetry, visit_at


def test_a_signed_line_waits_unscheduled_until_it_is_dispatched(session: Session) -> None:
    o = org(session)
    line = signed_line(o)
    ctx = o.ctx(o.manager)
    board = dispatch.board(ctx, MONDAY)
    assert [s.line_id for s in board.sold] == [line]
    assert [s.offering for s in board.sold] == ["Hydraulic check"]

    w = dispatch.schedule_sold_line(ctx, line, o.tech.id, MONDAY + timedelta(days=1), time(9), 90)
    assert (w.source, w.status, w.sign_up_line_id, w.technician_id) == (
        "sign_up",
        "scheduled",
        line,
        o.tech.id,
    )
    visit = session.get(Visit, w.visit_id)
    assert visit is not None
    assert (visit.day, visit.start_time, visit.duration_minutes) == (date(2026, 12, 8), time(9), 90)
    board = dispatch.board(ctx, MONDAY)
    assert board.sold == [] and board.unscheduled == []
    row = next(r for r in board.rows if r.technician.id == o.tech.id)
    jobs = row.cells[date(2026, 12, 8)]
    assert [(j.work.id if j.work else None, j.time) for j in jobs] == [(w.id, "09:00–10:30")]
    # The same line again is the same work order (rescheduled), never a second one.
    again = dispatch.schedule_sold_line(ctx, line, o.tech.id, MONDAY, time(14), 60)
    assert again.id == w.id
    assert session.scalars(select(WorkOrder).where(WorkOrder.sign_up_line_id == line)).all() == [w]
    assert session.get(Visit, w.visit_id).day == MONDAY  # type: ignore[union-attr]


def test_scheduling_refuses_weekends_missing_skills_and_overlaps(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    w = service.create(
        ctx,
        service.Opening(
            account_id=o.account.id,
            title="Replace hose",
            asset_id=o.asset.id,
            required_skill="Hydraulics",
        ),
    )
    assert w.required_skill == "hydraulics"
    saturday = MONDAY + timedelta(days=5)
    with pytest.raises(InvalidInput, match=r"^day: Saturday 12 December is a weekend day"):
        dispatch.schedule(ctx, w.id, o.tech.id, saturday, time(8), 60)
    with pytest.raises(InvalidInput, match=r"^technician_id: Tina Tech does not have the skill"):
        dispatch.schedule(ctx, w.id, o.other_tech.id, MONDAY, time(8), 60)
    visit_at(o, o.tech, MONDAY, "09:00", 120)
    with pytest.raises(Conflict, match=r"^start: Tom Tech is busy Mon 07 Dec 09:00–11:00"):
        dispatch.schedule(ctx, w.id, o.tech.id, MONDAY, time(10, 30), 60)
    visit_at(o, o.tech, MONDAY + timedelta(days=1), None, None)  # an older visit: all day
    with pytest.raises(Conflict, match="all day"):
        dispatch.schedule(ctx, w.id, o.tech.id, MONDAY + timedelta(days=1), time(15), 60)
    assert w.status == "new"  # nothing changed by the refusals
    ok = dispatch.schedule(ctx, w.id, o.tech.id, MONDAY, time(11), 60)  # right after the visit
    assert ok.status == "scheduled"
    weekend = o.ctx(o.manager, work=WorkSettings(allow_weekends=True))
    assert dispatch.schedule(weekend, w.id, o.tech.id, saturday, time(8), 60).status == "scheduled"


def test_only_managers_schedule_and_a_technician_updates_only_their_own_work(
    session: Session,
) -> None:
    o = org(session)
    w = service.create(o.ctx(o.manager), service.Opening(account_id=o.account.id, title="Check"))
    with pytest.raises(PermissionDenied):
        dispatch.schedule(o.ctx(o.tech), w.id, o.tech.id, MONDAY, time(8), 60)
    dispatch.schedule(o.ctx(o.manager), w.id, o.other_tech.id, MONDAY, time(8), 60)
    with pytest.raises((PermissionDenied, NotFound)):
        service.move(o.ctx(o.tech), w.id, "in_progress")
    assert service.move(o.ctx(o.other_tech), w.id, "in_progress").status == "in_progress"
    # Work a technician opens on site is assigned to them, so they may update it.
    own = service.create(o.ctx(o.tech), service.Opening(account_id=o.account.id, title="Leak"))
    assert (own.technician_id, own.status) == (o.tech.id, "new")
    assert service.move(o.ctx(o.tech), own.id, "in_progress").status == "in_progress"


def test_done_writes_the_machines_history_with_hours_and_parts(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    w = service.create(
        ctx,
        service.Opening(
            account_id=o.account.id,
            title="Replace seals",
            asset_id=o.asset.id,
            checklist=["Drain oil", "Fit seals"],
        ),
    )
    dispatch.schedule(ctx, w.id, o.tech.id, MONDAY, time(8), 120)
    tech = o.ctx(o.tech)
    service.move(tech, w.id, "in_progress")
    service.tick(tech, w.id, 1, True)
    service.log(tech, w.id, service.LogLine("time", hours=1.5))
    service.log(tech, w.id, service.LogLine("time", hours=1.25))
    service.log(tech, w.id, service.LogLine("part", offering_id=o.part.id, quantity=2))
    service.log(tech, w.id, service.LogLine("note", text="Seals were brittle"))
    with pytest.raises(InvalidInput, match=r"^offering_id: a spare part"):
        service.log(tech, w.id, service.LogLine("part", offering_id=o.service_offering.id))
    done = service.move(tech, w.id, "done")
    assert [i["done"] for i in done.checklist] == [False, True]
    event = session.get(ServiceEvent, done.service_event_id)
    assert event is not None
    # 1.5 + 1.25 hours; 2 × 12.50 EUR = 25.00 EUR
    assert (event.labour_hours, event.parts_cost_cents, event.currency) == (2.75, 2500, "EUR")
    assert (event.asset_id, event.day, event.kind, event.technician_id) == (
        o.asset.id,
        MONDAY,
        "repair",
        o.tech.id,
    )
    assert "Seals were brittle" in (event.description or "")
    with pytest.raises(Conflict, match=r"^status: a work order that is done cannot move"):
        service.move(tech, w.id, "in_progress")
    with pytest.raises(Conflict, match="takes no changes"):
        service.log(tech, w.id, service.LogLine("note", text="late"))


def test_a_resent_update_is_kept_once(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    w = service.create(ctx, service.Opening(account_id=o.account.id, title="Check"))
    first = service.log(ctx, w.id, service.LogLine("note", text="hello", client_key="k" * 12))
    again = service.log(ctx, w.id, service.LogLine("note", text="hello", client_key="k" * 12))
    assert first.id == again.id
    service.move(ctx, w.id, "in_progress", client_key="m" * 12)
    assert service.move(ctx, w.id, "in_progress", client_key="m" * 12).status == "in_progress"
    assert [e.kind for e in service.entries(ctx, w)] == ["note", "status"]


def test_unscheduling_frees_the_slot(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    w = service.create(ctx, service.Opening(account_id=o.account.id, title="Check"))
    dispatch.schedule(ctx, w.id, o.tech.id, MONDAY, time(8), 60)
    visit_id = w.visit_id
    dispatch.unschedule(ctx, w.id)
    assert (w.status, w.visit_id, w.technician_id) == ("new", None, None)
    assert session.get(Visit, visit_id) is None
    with pytest.raises(Conflict, match="schedule the work order on the dispatch board"):
        service.move(ctx, w.id, "scheduled")


def test_work_from_a_visit_and_from_a_customer_request(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    visit = visit_at(o, o.tech, MONDAY, "13:00", 60)
    w = service.create(
        ctx, service.Opening(account_id=o.account.id, title="Inspect press", visit_id=visit.id)
    )
    assert (w.source, w.status, w.technician_id, w.visit_id) == (
        "visit",
        "scheduled",
        o.tech.id,
        visit.id,
    )
    with pytest.raises(Conflict, match="has its work order already"):
        service.open_from_visit(ctx, visit.id)
    r1 = service.open_from_request(
        ctx, o.account.id, "Press leaks", "Oil under press 2", None, "REQ-9"
    )
    r2 = service.open_from_request(ctx, o.account.id, "Press leaks", None, None, "REQ-9")
    assert r1.id == r2.id and r1.source == "request"
    with pytest.raises(NotFound):
        service.open_from_request(ctx, 10**12, "x")


def _plan(o, ctx, **kw):  # type: ignore[no-untyped-def]
    return plans.create(ctx, plans.PlanIn(name="Service", account_id=o.account.id, **kw))


def test_a_months_plan_opens_its_work_once_ahead_of_the_due_date(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)  # today 7 December 2026; lead time 30 days
    due_soon = _plan(o, ctx, asset_id=o.asset.id, interval_months=6, start_on=date(2026, 6, 10))
    later = _plan(o, ctx, asset_id=o.asset.id, interval_months=12, start_on=date(2026, 6, 10))
    first = plans.run(ctx, hours=lambda _a, _d: None)
    # 10 June + 6 months = 10 December, within 30 days; + 12 months = 10 June 2027: not yet.
    assert [(w.pm_plan_id, w.due_on) for w in first.opened] == [(due_soon.id, date(2026, 12, 10))]
    assert first.not_due == 1 and later.id != due_soon.id
    w = first.opened[0]
    assert (w.source, w.kind, w.status) == ("plan", "maintenance", "new")
    second = plans.run(ctx, hours=lambda _a, _d: None)
    assert second.opened == [] and second.already_open == 1
    # Done on 14 December: the next one is due 14 June 2027, opened from 15 May 2027.
    dispatch.schedule(ctx, w.id, o.tech.id, MONDAY, time(8), 60)
    service.move(o.ctx(o.tech, today=date(2026, 12, 14)), w.id, "done")
    assert plans.run(o.ctx(o.manager, today=date(2027, 5, 14)), due_soon.id).opened == []
    after = plans.run(o.ctx(o.manager, today=date(2027, 5, 15)), due_soon.id)
    assert [x.due_on for x in after.opened] == [date(2027, 6, 14)]


def test_an_hours_plan_projects_the_due_date_from_the_pace_run(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    second = session.get(Asset, o.asset.id)
    assert second is not None
    slow = Asset(
        external_id="EQ-SLOW",
        account_id=o.account.id,
        serial="SN-SLOW",
        model="PX-100",
        origin="own",
    )
    session.add(slow)
    session.flush()
    start = MONDAY - timedelta(days=90)  # 8 September 2026
    fast_plan = _plan(o, ctx, asset_id=o.asset.id, interval_hours=600, start_on=start)
    slow_plan = _plan(o, ctx, asset_id=slow.id, interval_hours=600, start_on=start)
    hours = {o.asset.id: 450.0, slow.id: 300.0}
    asked: list[tuple[int, date]] = []

    def reader(asset: Asset, since: date) -> float | None:
        asked.append((asset.id, since))
        return hours[asset.id]

    result = plans.run(ctx, hours=reader)
    # Fast: 450 h in 90 days = 5 h/day; 150 h left → 30 days → 6 January 2027; opens today.
    # Slow: 300 h in 90 days; 300 h left → 90 days → 7 March 2027: not yet.
    assert [(w.pm_plan_id, w.due_on) for w in result.opened] == [(fast_plan.id, date(2027, 1, 6))]
    assert result.not_due == 1 and slow_plan.id
    assert sorted(asked) == sorted([(o.asset.id, start), (slow.id, start)])
    none = plans.run(ctx, slow_plan.id, hours=lambda _a, _d: None)
    assert none.no_readings == ["SN-SLOW"]


def test_a_plan_needs_one_interval_and_one_subject(session: Session) -> None:
    o = org(session)
    ctx = o.ctx(o.manager)
    with pytest.raises(InvalidInput, match=r"^interval_months: give either"):
        _plan(o, ctx, asset_id=o.asset.id, start_on=MONDAY)
    with pytest.raises(InvalidInput, match=r"^asset_id: give either"):
        _plan(o, ctx, interval_months=3, start_on=MONDAY)
    with pytest.raises(PermissionDenied):
        _plan(o, o.ctx(o.tech), asset_id=o.asset.id, interval_months=3, start_on=MONDAY)


AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
RULES = [
    AlertRule(name="repeated_downs", kind="downs", downs=3, hours=24),
    AlertRule(name="hot", kind="above", metric="temperature_c", value=90.0, hours=24),
]


def _scan(o, tmp_path, store):  # type: ignore[no-untyped-def]
    ctx = o.ctx(o.admin, data_dir=tmp_path, work=WorkSettings(alert_rules=RULES))
    return alerts.scan(ctx, store, AT)


def test_repeated_downs_open_one_case_under_consent(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    o = org(session)
    serial = o.asset.serial or ""
    store = telemetry(
        tmp_path / "telemetry",
        statuses=[
            (serial, AT - timedelta(hours=30), "down"),  # outside the window
            (serial, AT - timedelta(hours=20), "down"),
            (serial, AT - timedelta(hours=19), "running"),
            (serial, AT - timedelta(hours=8), "down"),
            (serial, AT - timedelta(hours=1), "down"),
        ],
    )
    assert _scan(o, tmp_path, store).opened == []  # no agreement: no case
    consent(session, o.account, ["status"], ["contract_verification"])  # another purpose
    assert _scan(o, tmp_path, store).opened == []
    consent(session, o.account, ["status"], ["service_offers"])
    result = _scan(o, tmp_path, store)
    assert [(w.asset_id, w.alert_rule, w.source) for w in result.opened] == [
        (o.asset.id, "repeated_downs", "alert")
    ]
    assert "3 down states within 24 hours" in (result.opened[0].description or "")
    again = _scan(o, tmp_path, store)
    assert again.opened == [] and again.deduplicated == 1  # one open case per machine and rule
    audited = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity == "work_order", AuditEntry.entity_id == str(result.opened[0].id)
        )
    ).all()
    assert sorted(audited) == ["alert", "create"]


def test_two_downs_are_not_three(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    o = org(session)
    serial = o.asset.serial or ""
    consent(session, o.account, ["status"], ["service_offers"])
    store = telemetry(
        tmp_path / "telemetry",
        statuses=[(serial, AT - timedelta(hours=h), "down") for h in (30, 2, 1)],
    )
    assert _scan(o, tmp_path, store).opened == []


def test_a_reading_beyond_its_threshold_opens_a_case(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    o = org(session)
    cool = Asset(external_id="EQ-COOL", account_id=o.account.id, serial="SN-COOL", origin="own")
    session.add(cool)
    session.flush()
    consent(session, o.account, ["process"], ["service_offers"])
    serial = o.asset.serial or ""
    store = telemetry(
        tmp_path / "telemetry",
        measures=[
            (serial, AT - timedelta(hours=3), "temperature_c", 80.0),
            (serial, AT - timedelta(hours=1), "temperature_c", 95.5),  # the newest: too hot
            ("SN-COOL", AT - timedelta(hours=3), "temperature_c", 99.0),
            ("SN-COOL", AT - timedelta(hours=1), "temperature_c", 70.0),  # cooled down
        ],
    )
    result = _scan(o, tmp_path, store)
    assert [(w.asset_id, w.alert_rule) for w in result.opened] == [(o.asset.id, "hot")]
    assert "temperature_c read 95.5" in (result.opened[0].description or "")


def test_settings_read_alert_rules_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SERVITIZE_WORK_ALERT_RULES",
        '[{"name": "oil", "kind": "below", "metric": "oil_bar", "value": 2.5}]',
    )
    rule = Settings().work.alert_rules[0]
    assert (rule.name, rule.kind, rule.metric, rule.value) == ("oil", "below", "oil_bar", 2.5)

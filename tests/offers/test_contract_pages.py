"""The pages of sold contracts: the list (who sees what, filters, pages, the fee in words), one
contract (machines, clause in words, history, billing with evidence), its lifecycle forms (who
may act, the proration preview, bad input shown on the page), the account 360's panel and the
coverage a sold service agreement gives its machines. Amounts worked out by hand."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.contracts.models import AvailabilityContract
from servitize.core.settings import Settings
from servitize.offers import acceptance, billing, quotes
from servitize.offers.models import Contract, ContractAsset, ContractChange
from servitize.offers.schemas import LineIn, QuoteCreate
from servitize.trust.context import Context
from servitize.trust.service import issue_token
from tests import builders as b
from tests.offers.catalogue import catalogue, pumps

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
CLAUSE = {
    "kind": "linear",
    "target_pct": "97",
    "pct_per_point": "2",
    "floor_pct": "90",
    "cap_pct": "20",
    "min_coverage_pct": "90",
}
_numbers = iter(range(1, 1_000_000))


def _auth(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _contract(session: Session, account, **kw) -> Contract:  # type: ignore[no-untyped-def]
    kw.setdefault("number", f"C-P{next(_numbers):06d}")
    kw.setdefault("kind", "subscription")
    kw.setdefault("name", "Condition monitoring")
    kw.setdefault("currency", "EUR")
    kw.setdefault("period", "month")
    kw.setdefault("fee_cents", 6_000)
    kw.setdefault("start_on", date(2026, 1, 1))
    kw.setdefault("minimum_term_end", date(2027, 1, 1))
    kw.setdefault("renewal_on", date(2029, 1, 1))
    c = Contract(account_id=account.id, **kw)
    session.add(c)
    session.flush()
    return c


def _world(session: Session) -> dict:  # type: ignore[type-arg]
    owner = b.user(session, role="account_owner")
    other_owner = b.user(session, role="account_owner")
    mine = b.account(session, name="Nordic Paper", owner_id=owner.id)
    theirs = b.account(session, name="Baltic Board", owner_id=other_owner.id)
    machines = pumps(session, mine)
    ac = AvailabilityContract(
        external_id=f"AC-P{next(_numbers)}",
        account_id=mine.id,
        name="Uptime 97",
        target_pct=97.0,
        calendar={"kind": "24/7"},
        fee_cents=62_00,
        currency="EUR",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        clause=CLAUSE,
    )
    session.add(ac)
    session.flush()
    uptime = _contract(
        session,
        mine,
        kind="availability",
        name="Pump uptime",
        fee_cents=62_00,
        availability_contract_id=ac.id,
    )
    for m in machines:
        session.add(ContractAsset(contract_id=uptime.id, asset_id=m.id))
    yearly = _contract(
        session, theirs, kind="service_agreement", name="Full service", fee_cents=2_400_00,
        period="year",
    )  # fmt: skip
    session.flush()
    return {
        "owner": owner,
        "other_owner": other_owner,
        "admin": b.user(session, role="admin"),
        "manager": b.user(session, role="sales_manager"),
        "service": b.user(session, role="service_manager"),
        "analyst": b.user(session, role="analyst"),
        "technician": b.user(session, role="technician"),
        "mine": mine,
        "theirs": theirs,
        "machines": machines,
        "uptime": uptime,
        "yearly": yearly,
    }


def _numbers_on(html: str) -> set[str]:
    return set(re.findall(r'data-contract="(\d+)"', html))


def test_the_list_shows_each_role_the_contracts_it_may_see(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    uptime, yearly = str(w["uptime"].id), str(w["yearly"].id)
    for who, expected in (
        ("admin", {uptime, yearly}),
        ("manager", {uptime, yearly}),
        ("service", {uptime, yearly}),
        ("analyst", {uptime, yearly}),
        ("owner", {uptime}),
        ("other_owner", {yearly}),
    ):
        r = app_client.get("/sold-contracts", headers=_auth(session, w[who]))
        assert r.status_code == 200, (who, r.text[:300])
        assert _numbers_on(r.text) == expected, who
    r = app_client.get("/sold-contracts", headers=_auth(session, w["technician"]))
    assert r.status_code == 403

    r = app_client.get("/sold-contracts", headers=_auth(session, w["admin"]))
    row = r.text.split(f'data-contract="{yearly}"')[1].split("</tr>")[0]
    # 2,400.00 a year from 1 Jan 2026, renewal 1 Jan 2029: 36 months; MRR 2,400.00 / 12 = 200.00
    assert "2,400.00 EUR / year, 36 months" in row
    assert "200.00 EUR" in row and "Baltic Board" in row
    row = r.text.split(f'data-contract="{uptime}"')[1].split("</tr>")[0]
    assert "62.00 EUR / month, 36 months" in row


def test_the_list_filters_by_kind_state_and_account_and_pages(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    auth = _auth(session, w["admin"])
    r = app_client.get("/sold-contracts?kind=service_agreement", headers=auth)
    assert _numbers_on(r.text) == {str(w["yearly"].id)}
    r = app_client.get(f"/sold-contracts?account_id={w['mine'].id}", headers=auth)
    assert _numbers_on(r.text) == {str(w["uptime"].id)}
    w["yearly"].status = "suspended"
    session.flush()
    r = app_client.get("/sold-contracts?state=suspended", headers=auth)
    assert _numbers_on(r.text) == {str(w["yearly"].id)}
    # an unknown kind is no filter, a bad account id a 422, an account out of scope a 404
    assert app_client.get("/sold-contracts?kind=nope", headers=auth).status_code == 200
    assert app_client.get("/sold-contracts?account_id=x", headers=auth).status_code == 422
    owner = _auth(session, w["owner"])
    assert (
        app_client.get(f"/sold-contracts?account_id={w['theirs'].id}", headers=owner).status_code
        == 404
    )

    extra = b.account(session, owner_id=w["owner"].id)
    for _ in range(25):
        _contract(session, extra)
    # the owner sees 1 + 25 = 26 contracts: 25 on the first page, 1 on the second
    first = app_client.get("/sold-contracts", headers=owner)
    assert len(_numbers_on(first.text)) == 25 and "1–25 of 26 contracts" in first.text
    second = app_client.get("/sold-contracts?page=2", headers=owner)
    assert len(_numbers_on(second.text)) == 1 and "26–26 of 26 contracts" in second.text
    assert app_client.get("/sold-contracts?page=0", headers=owner).status_code == 422


def test_a_contract_shows_its_machines_clause_history_and_billing(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    c = w["uptime"]
    session.add(
        ContractChange(
            contract_id=c.id, kind="amend", effective_on=date(2026, 3, 22),
            fee_before_cents=62_00, fee_after_cents=93_00, note="third pump", by="mark", at=NOW,
        )
    )  # fmt: skip
    c.fee_cents = 93_00
    session.flush()
    ctx = Context(session, w["admin"], Settings(), NOW)
    billing.run(ctx, "2026-03", lambda *a: None, lambda *a: None)  # type: ignore[arg-type,return-value]
    r = app_client.get(f"/sold-contracts/{c.id}", headers=_auth(session, w["owner"]))
    assert r.status_code == 200, r.text[:300]
    html = r.text
    for m in w["machines"]:
        assert f'href="/assets/{m.id}"' in html
    assert 'data-testid="clause"' in html
    assert "Availability target 97 %" in html and "Below 90 % availability" in html
    assert 'data-change="amend"' in html and "third pump" in html
    # March: 62.00 × 21/31 = 42.00 until the 22nd, 93.00 × 10/31 = 30.00 after: 72.00
    assert 'data-month-total="2026-03">72.00 EUR' in html
    assert "42.00 EUR" in html and "30.00 EUR" in html
    assert "days in month" in html  # the evidence of each fee line
    # the owner reads but may not change a contract: no forms
    assert 'data-testid="actions"' not in html


def test_who_may_change_a_contract_gets_the_forms_others_a_403(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    url = f"/sold-contracts/{w['uptime'].id}"
    for who in ("admin", "manager", "service"):
        html = app_client.get(url, headers=_auth(session, w[who])).text
        for action in ("amend", "index", "suspend", "cancel", "renew"):
            assert f'data-testid="{action}"' in html, (who, action)
        assert 'data-testid="resume"' not in html  # not suspended
    for who in ("owner", "analyst"):
        html = app_client.get(url, headers=_auth(session, w[who])).text
        assert 'data-testid="actions"' not in html, who
        r = app_client.post(
            f"{url}/changes",
            data={"action": "suspend", "on": "2026-06-01"},
            headers=_auth(session, w[who]),
        )
        assert r.status_code == 403, who
    assert app_client.get(url, headers=_auth(session, w["technician"])).status_code == 403
    assert app_client.get(url, headers=_auth(session, w["other_owner"])).status_code == 404
    r = app_client.post(
        f"{url}/changes",
        data={"action": "suspend", "on": "2026-06-01"},
        headers=_auth(session, w["other_owner"]),
    )
    assert r.status_code == 404
    assert (
        session.scalars(
            select(ContractChange).where(ContractChange.contract_id == w["uptime"].id)
        ).all()
        == []
    )


def test_the_lifecycle_from_the_page_with_a_proration_preview(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    c = w["uptime"]
    auth = _auth(session, w["manager"])
    url = f"/sold-contracts/{c.id}"
    # 62.00 → 93.00 a month from 22 March: the last 10 of 31 days are credited 62.00 × 10/31
    # = 20.00 and charged 93.00 × 10/31 = 30.00; March: 62.00 − 20.00 + 30.00 = 72.00
    r = app_client.get(
        f"{url}/amend-preview?fee=93.00&on=2026-03-22", headers=auth | {"HX-Request": "true"}
    )
    assert r.status_code == 200
    assert 'data-testid="credit">-20.00 EUR' in r.text
    assert 'data-testid="charge">30.00 EUR' in r.text
    assert 'data-testid="month-total">72.00 EUR' in r.text
    assert "<html" not in r.text  # HTMX gets the fragment
    plain = app_client.get(f"{url}/amend-preview?fee=93.00&on=2026-03-22", headers=auth)
    assert "<html" in plain.text and 'data-testid="month-total">72.00 EUR' in plain.text
    bad = app_client.get(f"{url}/amend-preview?fee=lots&on=2026-03-22", headers=auth)
    assert bad.status_code == 200 and "fee: not a number" in bad.text

    def post(**data: str):  # type: ignore[no-untyped-def]
        return app_client.post(f"{url}/changes", data=data, headers=auth, follow_redirects=False)

    r = post(action="amend", fee="93.00", on="2026-03-22", note="third pump")
    assert r.status_code == 303 and r.headers["location"] == f"{url}?done=amend"
    html = app_client.get(r.headers["location"], headers=auth).text
    assert "amend: done" in html and "93.00 EUR / month" in html and "third pump" in html
    assert post(action="index", pct="2", on="2026-06-01").status_code == 303
    session.refresh(c)
    # 93.00 + 2 % = 94.86
    assert c.fee_cents == 94_86
    assert post(action="suspend", on="2026-07-01", note="plant shut").status_code == 303
    html = app_client.get(url, headers=auth).text
    assert 'data-testid="resume"' in html and 'data-testid="suspend"' not in html
    assert post(action="resume", on="2026-08-01").status_code == 303
    assert post(action="renew", months="12").status_code == 303
    session.refresh(c)
    assert c.renewal_on == date(2030, 1, 1)  # 1 Jan 2029 + 12 months
    for m in w["machines"]:  # the availability contract's machines are covered as long
        session.refresh(m)
        assert m.contract_end == date(2030, 1, 1)
    assert post(action="cancel", on="2026-09-15").status_code == 303
    session.refresh(c)
    # 3 months' notice from 15 Sep 2026 = 15 Dec 2026, but never before the minimum term, which
    # the renewal moved to 1 Jan 2030
    assert (c.status.value, c.end_on) == ("cancelled", date(2030, 1, 1))
    kinds = [
        ch.kind
        for ch in session.scalars(select(ContractChange).where(ContractChange.contract_id == c.id))
    ]
    assert sorted(kinds) == sorted(["amend", "index", "suspend", "resume", "renew", "cancel"])
    html = app_client.get(url, headers=auth).text
    assert 'data-testid="actions"' not in html  # a cancelled contract has nothing left to do


def test_bad_input_shows_its_reason_on_the_page_never_a_500(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    c = w["uptime"]
    auth = _auth(session, w["admin"])
    url = f"/sold-contracts/{c.id}/changes"
    for data, status, reason in (
        ({"action": "amend", "fee": "lots", "on": "2026-04-01"}, 422, "fee: not a number"),
        ({"action": "amend", "fee": "70.001", "on": "2026-04-01"}, 422, "fee: at most two"),
        ({"action": "amend", "fee": "-5", "on": "2026-04-01"}, 422, "fee: must not be negative"),
        ({"action": "amend", "fee": "62.00", "on": "2026-04-01"}, 422, "fee: the contract already"),
        ({"action": "amend", "fee": "70", "on": "yesterday"}, 422, "on: a day is written"),
        ({"action": "amend", "fee": "70", "on": "2025-04-01"}, 422, "effective_on"),
        ({"action": "index", "pct": "80", "on": "2026-04-01"}, 422, "pct"),
        ({"action": "renew", "months": "0"}, 422, "months"),
        ({"action": "renew", "months": "many"}, 422, "months"),
        ({"action": "resume", "on": "2026-04-01"}, 409, "is not suspended"),
        ({"action": "explode", "on": "2026-04-01"}, 422, "action: one of"),
        ({"action": "amend", "fee": "70", "on": "2026-04-01", "version": "99"}, 409, "reload"),
    ):
        r = app_client.post(url, data=data, headers=auth, follow_redirects=False)
        assert r.status_code == status and reason in r.text, (data, r.status_code, r.text[:400])
        assert 'data-testid="message"' in r.text
    session.refresh(c)
    assert c.fee_cents == 62_00
    assert (
        session.scalars(select(ContractChange).where(ContractChange.contract_id == c.id)).all()
        == []
    )
    c.status = "cancelled"
    session.flush()
    r = app_client.post(
        url, data={"action": "amend", "fee": "70", "on": "2026-04-01"}, headers=auth
    )
    assert r.status_code == 409 and "cannot be changed any more" in r.text
    assert app_client.get("/sold-contracts/999999999", headers=auth).status_code == 404
    assert app_client.get("/sold-contracts/abc", headers=auth).status_code == 422


def test_the_account_360_lists_its_sold_contracts(session: Session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    mine = w["mine"]
    page = app_client.get(f"/accounts/{mine.id}", headers=_auth(session, w["owner"])).text
    # HTMX loads the panel; without JS the link goes to the same contracts
    assert f'hx-get="/accounts/{mine.id}/contracts-panel"' in page
    assert f'href="/sold-contracts?account_id={mine.id}"' in page
    panel = app_client.get(
        f"/accounts/{mine.id}/contracts-panel", headers=_auth(session, w["owner"])
    )
    assert panel.status_code == 200 and "<html" not in panel.text
    assert w["uptime"].number in panel.text and "62.00 EUR / month, 36 months" in panel.text
    assert w["yearly"].number not in panel.text
    other = _auth(session, w["other_owner"])
    assert app_client.get(f"/accounts/{mine.id}/contracts-panel", headers=other).status_code == 404
    tech = b.user(session, role="technician", territory=mine.territory or "north")
    mine.territory = tech.territory
    session.flush()
    empty = app_client.get(f"/accounts/{mine.id}/contracts-panel", headers=_auth(session, tech))
    assert empty.status_code == 200 and empty.text == ""


def test_a_sold_service_agreement_covers_its_machines_on_the_machine_page(
    session: Session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Nordic Paper", owner_id=owner.id)
    machines = pumps(session, account)
    cat = catalogue(session)
    today = date.today()
    ctx = Context(session, owner, Settings())
    q = quotes.create_quote(
        ctx, QuoteCreate(account_id=account.id, title="Service", term_months=24)
    )
    quotes.add_line(
        ctx, q.id, LineIn(offering=cat.agreement.external_id, asset_ids=[m.id for m in machines])
    )
    q = quotes.submit(ctx, q.id)
    if q.status.value == "pending_approval":
        q = quotes.approve(
            Context(session, b.user(session, role="sales_manager"), Settings()), q.id, None
        )
    done = acceptance.accept(ctx, q.id, "Eva Buyer")
    [agreement] = done.contracts
    end = agreement.renewal_on
    assert end is not None and (end.year - today.year) * 12 + end.month - today.month == 24
    for m in machines:
        html = app_client.get(f"/assets/{m.id}", headers=_auth(session, owner)).text
        assert 'data-testid="coverage-status">Under contract' in html
        assert f"<dt>Agreement until</dt><dd>{end}</dd>" in html
    html = app_client.get(f"/sold-contracts/{agreement.id}", headers=_auth(session, owner)).text
    assert all(f'href="/assets/{m.id}"' in html for m in machines)
    assert f"until {end}" in html
    # notice given today: 3 months' notice, but the 12 months' minimum term runs longer, so
    # the agreement and its machines' coverage end 12 months from today
    manager = b.user(session, role="sales_manager")
    r = app_client.post(
        f"/sold-contracts/{agreement.id}/changes",
        data={"action": "cancel", "on": today.isoformat()},
        headers=_auth(session, manager),
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.refresh(agreement)
    assert agreement.end_on == agreement.minimum_term_end
    year = agreement.end_on
    assert year is not None and (year.year - today.year) * 12 + year.month - today.month == 12
    for m in machines:
        html = app_client.get(f"/assets/{m.id}", headers=_auth(session, owner)).text
        assert f"<dt>Agreement until</dt><dd>{year}</dd>" in html
    assert Decimal(agreement.fee_cents) == Decimal(2_400_00)  # 2,400.00 a year, one unit

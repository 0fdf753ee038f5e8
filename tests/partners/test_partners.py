"""Partners and dealers: records through the API (audited, bad input named), blueprint
activities assigned to partners, what a partner's user sees, and dealer A's user never seeing
dealer B's customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.partners.models import PartnerAssignment
from servitize.sales.models import SalesActivity
from servitize.trust.models import AuditEntry
from tests import builders as b
from tests.partners import world as w


def _dealers(session: Session) -> dict[str, Any]:
    """Two dealers, each serving one customer with a lead and a sign-up sheet."""
    tech = b.user(session, role="technician")
    out: dict[str, Any] = {}
    for key in ("a", "b"):
        dealer = b.account(session, name=f"Dealer {key.upper()}", kind="dealer")
        customer = b.account(session, name=f"Customer of {key.upper()}", dealer_id=dealer.id)
        w.lead(session, customer, story=f"story of {key}")
        sheet = w.sheet(session, customer, tech)
        p = w.partner(
            session, name=f"Dealer partner {key}", kind="dealer", dealer_account_id=dealer.id
        )
        out[key] = {
            "dealer": dealer,
            "customer": customer,
            "sheet": sheet,
            "user": w.partner_user(session, p),
        }
    return out


def test_a_dealer_sees_only_the_customers_it_serves(session: Session, app_client: Any) -> None:
    d = _dealers(session)
    me = w.auth(session, d["a"]["user"])
    mine, theirs = d["a"]["customer"], d["b"]["customer"]

    page = app_client.get("/partner/customers", headers=me)
    assert page.status_code == 200
    assert "Customer of A" in page.text and "Customer of B" not in page.text
    one = app_client.get(f"/partner/customers/{mine.id}", headers=me)
    assert (
        one.status_code == 200 and "story of a" in one.text and f"#{d['a']['sheet'].id}" in one.text
    )

    api = app_client.get("/api/v1/partner/customers", headers=me).json()
    assert [c["name"] for c in api] == ["Customer of A"]
    assert [x["story"] for x in api[0]["leads"]] == ["story of a"]
    assert [(s["id"], s["lines"], s["ticked"]) for s in api[0]["sheets"]] == [
        (d["a"]["sheet"].id, 1, 0)
    ]

    # dealer B's customer: 404 on the page and on the API, never its data
    for path in (f"/partner/customers/{theirs.id}", f"/api/v1/partner/customers/{theirs.id}"):
        r = app_client.get(path, headers=me)
        assert r.status_code == 404, (path, r.status_code)
        assert "story of b" not in r.text
    # and the other way round
    other = w.auth(session, d["b"]["user"])
    assert app_client.get(f"/api/v1/partner/customers/{mine.id}", headers=other).status_code == 404
    # the dealer's own account is in its scope, but it is no customer: 404 here too
    assert (
        app_client.get(f"/api/v1/partner/customers/{d['a']['dealer'].id}", headers=me).status_code
        == 404
    )


def test_a_partner_sees_and_ticks_only_its_own_activities(
    session: Session, app_client: Any
) -> None:
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Acme Press", owner_id=owner.id)
    opp = w.opportunity(session, account, owner, phase=2, value_cents=9_900_000)
    ours = w.partner(session, name="Trainers Ltd")
    other = w.partner(session, name="Other Ltd")
    now = w.activity(session, opp, title="Train the operators", phase=2)
    later = w.activity(session, opp, title="Hand over the manuals", phase=3)
    theirs = w.activity(session, opp, title="Their job", phase=2)
    w.activity(session, opp, title="Internal review", actor="sales", code="pipeline_review")
    for a in (now, later):
        w.assign(session, a, ours)
    w.assign(session, theirs, other)
    me = w.auth(session, w.partner_user(session, ours))

    data = app_client.get("/api/v1/partner/activities", headers=me).json()
    assert data["partner"] == "Trainers Ltd"
    assert [a["title"] for a in data["activities"]] == [
        "Train the operators",
        "Hand over the manuals",
    ]
    # what the activity needs, nothing else of the opportunity (no value, no owner)
    assert set(data["activities"][0]) == {
        "id",
        "title",
        "phase",
        "layer",
        "due_on",
        "status",
        "done_on",
        "account_name",
        "opportunity_title",
        "may_tick",
        "why_not",
    }
    assert data["activities"][0]["account_name"] == "Acme Press"
    assert data["activities"][0]["opportunity_title"] == "Press line retrofit"
    assert [a["may_tick"] for a in data["activities"]] == [True, False]
    page = app_client.get("/partner", headers=me)
    assert "Train the operators" in page.text and "Their job" not in page.text
    assert "Internal review" not in page.text and "99,000" not in page.text

    # another partner's activity is not found; a later phase waits for the deal
    assert (
        app_client.post(f"/api/v1/partner/activities/{theirs.id}/done", headers=me).status_code
        == 404
    )
    r = app_client.post(f"/api/v1/partner/activities/{later.id}/done", headers=me)
    assert r.status_code == 422 and "phase 3" in r.json()["detail"]
    r = app_client.post(f"/api/v1/partner/activities/{now.id}/done", headers=me)
    assert r.status_code == 200 and r.json()["status"] == "done"
    session.expire_all()
    assert session.get(SalesActivity, now.id).status == "done"
    assert session.get(SalesActivity, theirs.id).status == "open"
    r = app_client.post(f"/api/v1/partner/activities/{now.id}/done", headers=me)
    assert r.status_code == 422 and "done already" in r.json()["detail"]
    # staff pages and other roles' partner pages: refused
    staff = w.auth(session, owner)
    assert app_client.get("/partner", headers=staff).status_code == 403
    assert (
        app_client.post(f"/api/v1/partner/activities/{later.id}/done", headers=staff).status_code
        == 403
    )


def test_partner_records_through_the_api(session: Session, app_client: Any) -> None:
    manager = w.auth(session, b.user(session, role="sales_manager"))
    dealer = b.account(session, name="North Dealer", kind="dealer")
    served = b.account(session, name="Served GmbH", dealer_id=dealer.id)
    body = {
        "name": "North Dealer",
        "kind": "dealer",
        "role": "sells and services our presses in the north",
        "boundary": "first-line service; no retrofits",
        "activity_codes": ["regular_visits"],
        "account_ids": [served.id],
        "dealer_account_id": dealer.id,
        "contact_email": "north@dealer.example",
    }
    r = app_client.post("/api/v1/partners", json=body, headers=manager)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["dealer_account"] == {"id": dealer.id, "name": "North Dealer"}
    assert p["accounts"] == [{"id": served.id, "name": "Served GmbH"}]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.create"))
    assert entry is not None and entry.after["activity_codes"] == ["regular_visits"]

    user = b.user(session, role="partner", username="north_user")
    r = app_client.post(
        f"/api/v1/partners/{p['id']}/users", json={"username": "north_user"}, headers=manager
    )
    assert r.status_code == 200 and r.json()["dealer_account_id"] == dealer.id
    session.expire_all()
    assert user.dealer_account_id == dealer.id

    # bad input names the field
    for bad, field in (
        ({**body, "name": "X", "kind": "reseller"}, "kind"),
        ({**body, "name": "Y", "dealer_account_id": None}, "dealer_account_id"),
        ({**body, "name": "Z", "activity_codes": ["fly_to_the_moon"]}, "activity_codes"),
        ({**body, "name": "North Dealer", "kind": "integrator", "dealer_account_id": None}, "name"),
        ({**body, "name": "W", "contact_email": "no-at-sign"}, "contact_email"),
        (
            {
                **body,
                "name": "V",
                "kind": "integrator",
                "dealer_account_id": None,
                "account_ids": [10**12],
            },
            "account_ids",
        ),
    ):
        r = app_client.post("/api/v1/partners", json=bad, headers=manager)
        assert r.status_code == 422, (field, r.status_code, r.text)
        assert field in r.text, (field, r.text)
    r = app_client.post(
        f"/api/v1/partners/{p['id']}/users", json={"username": served.name}, headers=manager
    )
    assert r.status_code == 422 and "username" in r.text
    # an account owner reads but does not manage
    owner = w.auth(session, b.user(session, role="account_owner"))
    assert (
        app_client.post("/api/v1/partners", json={**body, "name": "Q"}, headers=owner).status_code
        == 403
    )
    assert app_client.get(f"/api/v1/partners/{p['id']}", headers=owner).status_code == 200
    # a change is audited; the filter finds it by kind and by account
    r = app_client.patch(
        f"/api/v1/partners/{p['id']}", json={"role": "sells presses"}, headers=manager
    )
    assert r.status_code == 200 and r.json()["role"] == "sells presses"
    listed = app_client.get(
        f"/api/v1/partners?kind=dealer&account_id={served.id}", headers=manager
    ).json()
    assert [x["name"] for x in listed] == ["North Dealer"]
    assert app_client.get("/api/v1/partners?kind=integrator", headers=manager).json() == []
    page = app_client.get("/partners?kind=dealer", headers=manager)
    assert page.status_code == 200 and "North Dealer" in page.text


def test_assigning_follows_the_blueprint_and_the_boundary(
    session: Session, app_client: Any
) -> None:
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    opp = w.opportunity(session, account, owner)
    training = w.activity(session, opp)
    visits = w.activity(
        session, opp, title="Regular visits", code="regular_visits", actor="sales", phase=1
    )
    review = w.activity(
        session, opp, title="Pipeline review", code="pipeline_review", actor="sales"
    )
    p = w.partner(session, name="Field Partner", activity_codes=["regular_visits"])
    me = w.auth(session, owner)

    work = app_client.get(f"/api/v1/opportunities/{opp.id}/partner-work", headers=me).json()
    assert [x["title"] for x in work] == [visits.title, training.title]
    for a in (training, visits):
        r = app_client.put(
            f"/api/v1/sales-activities/{a.id}/partner", json={"partner_id": p.id}, headers=me
        )
        assert r.status_code == 200, r.text
    r = app_client.put(
        f"/api/v1/sales-activities/{review.id}/partner", json={"partner_id": p.id}, headers=me
    )
    assert r.status_code == 422 and "partner_id" in r.json()["detail"]
    assert (
        session.scalar(select(PartnerAssignment).where(PartnerAssignment.activity_id == review.id))
        is None
    )
    r = app_client.put(
        f"/api/v1/sales-activities/{visits.id}/partner", json={"partner_id": None}, headers=me
    )
    assert r.status_code == 200
    assigned = set(session.scalars(select(PartnerAssignment.activity_id)))
    assert assigned == {training.id}
    # the opportunity page's panel offers the partner for its activities
    panel = app_client.get(f"/opportunities/{opp.id}/ecosystem-panel", headers=me)
    assert panel.status_code == 200 and "Field Partner" in panel.text
    # an account outside the user's scope: 404
    stranger = w.auth(session, b.user(session, role="account_owner"))
    r = app_client.put(
        f"/api/v1/sales-activities/{training.id}/partner",
        json={"partner_id": p.id},
        headers=stranger,
    )
    assert r.status_code == 404


def test_the_ecosystem_of_an_account(session: Session, app_client: Any) -> None:
    admin = w.auth(session, b.user(session, role="admin"))
    dealer = b.account(session, name="Dealer East", kind="dealer")
    account = b.account(session, name="Eco AG", dealer_id=dealer.id)
    w.partner(session, name="Dealer East partner", kind="dealer", dealer_account_id=dealer.id)
    integrator = w.partner(session, name="Integrate SE", kind="integrator")
    opp = w.opportunity(session, account)
    w.assign(session, w.activity(session, opp), integrator)
    b.asset(session, account, origin="competitor", competitor="Rival AG")
    w.competitor(session, "Rival AG")

    data = app_client.get(f"/api/v1/accounts/{account.id}/ecosystem", headers=admin).json()
    assert [(p["name"], p["why"]) for p in data["partners"]] == [
        ("Dealer East partner", "the dealer serving it"),
        ("Integrate SE", "assigned activities of its opportunities"),
    ]
    assert data["dealer"] == {"id": dealer.id, "name": "Dealer East"}
    assert [(c["name"], c["machines"]) for c in data["competitors"]] == [("Rival AG", 1)]
    fragment = app_client.get(f"/twin/ecosystem?account_id={account.id}", headers=admin)
    assert fragment.status_code == 200
    for text in ("Integrate SE", "Dealer East", "Rival AG"):
        assert text in fragment.text
    everything = app_client.get("/twin/ecosystem", headers=admin)
    assert "Eco AG" in everything.text

"""Who may do what: one test per cell of the role × action table, on the real routes.

The table lives in ``installed_base.access.ACTIONS`` and in docs/access.md; the first test keeps
the two equal. Each cell then runs its action's request as a user of that role, on a record the
role can see: "yes" must land (2xx/3xx), "own" must land on the user's own record and be refused
(403/404) on someone else's, "no" must be refused. Then the analyst (read-only) is refused on
every write route of the app, pages and API alike, and every write route is listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from servitize.field.models import LeadRoute, SignUpLine, SignUpSheet
from servitize.installed_base.access import ACTIONS, NO, OWN, ROLES, YES, access_table
from servitize.installed_base.models import CustomerAccount, Offering, Order
from servitize.intelligence.models import Lead
from servitize.sales.models import GateDecision, Opportunity, SalesActivity
from servitize.sales.process import policy
from servitize.trust.models import User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.partners import roles as partner_roles

DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"
START, END = "<!-- access table: begin -->", "<!-- access table: end -->"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REFUSED = {403, 404}


@dataclass
class World:
    """One account with a machine, visits, leads, a sheet; a user of every role who can see it."""

    session: Session
    users: dict[str, User]
    owner: User  # the account's owner (role account_owner)
    other_owner: User  # another salesperson: owns opportunities the acting user does not
    tech: User
    other_tech: User
    account_id: int
    asset_id: int
    offering: Offering

    def visit(self, technician: User) -> int:
        return b.visit(self.session, technician, self._account(), day=date(2026, 11, 24)).id

    def _account(self) -> Any:
        from servitize.installed_base.models import Account

        return self.session.get(Account, self.account_id)

    def lead(self, assigned_to: User) -> int:
        s = self.session
        lead = Lead(
            account_id=self.account_id,
            offering_key="retrofit",
            asset_ids=[],
            source="rule",
            rule="aging_fleet",
            score=0.8,
            estimated_value_cents=1_000_000,
            currency="EUR",
            story="Old press",
            evidence={},
            status="open",
            as_of=date(2026, 11, 23),
            expires_on=date(2027, 2, 23),
        )
        s.add(lead)
        s.flush()
        s.add(
            LeadRoute(
                lead_id=lead.id,
                account_id=self.account_id,
                route="technician",
                reason="next visit",
                assigned_to_id=assigned_to.id,
                value_cents=1_000_000,
                currency="EUR",
                score=0.8,
                stage="reported",
                reported_at=NOW,
            )
        )
        s.flush()
        return lead.id

    def sheet(self, technician: User) -> tuple[int, int]:
        s = self.session
        visit_id = self.visit(technician)
        sheet = SignUpSheet(
            visit_id=visit_id,
            account_id=self.account_id,
            technician_id=technician.id,
            status="proposed",
        )
        s.add(sheet)
        s.flush()
        line = SignUpLine(
            sheet_id=sheet.id,
            offering_id=self.offering.id,
            reason="old press",
            unit_price_cents=50_000,
            currency="EUR",
        )
        s.add(line)
        s.flush()
        return sheet.id, line.id

    def opportunity(
        self,
        owner: User,
        phase: int = 1,
        status: str = "open",
        decisions: dict[str, str] | None = None,
        **kw: Any,
    ) -> int:
        s = self.session
        opp = Opportunity(
            account_id=self.account_id,
            title="Press line",
            phase=phase,
            status=status,
            owner_id=owner.id,
            currency="EUR",
            phase_entered_at=NOW,
            **kw,
        )
        s.add(opp)
        s.flush()
        for gate, decision in (decisions or {}).items():
            s.add(
                GateDecision(
                    opportunity_id=opp.id,
                    gate=gate,
                    decision=decision,
                    reason="ok",
                    phase=2,
                    decided_by=owner.username,
                    decided_at=NOW,
                )
            )
        s.flush()
        return opp.id


def build(session: Session) -> World:
    owner = b.user(session, username="r_owner", role="account_owner")
    tech = b.user(session, username="r_tech", role="technician", territory="north")
    users = {
        "admin": b.user(session, username="r_admin", role="admin"),
        "sales_manager": b.user(session, username="r_sales_manager", role="sales_manager"),
        "account_owner": owner,
        "technician": tech,
        "service_manager": b.user(session, username="r_service_manager", role="service_manager"),
        "analyst": b.user(session, username="r_analyst", role="analyst"),
        "customer": b.user(session, username="r_customer", role="customer"),
        "partner": b.user(session, username="r_partner", role="partner"),
    }
    assert set(users) == set(ROLES)
    account = b.account(session, name="Acme Press", owner_id=owner.id, territory="north")
    # The customer's user sees this account (the portal's scope); its staff actions stay refused.
    session.add(CustomerAccount(user_id=users["customer"].id, account_id=account.id))
    asset = b.asset(session, account)
    offering = b.offering(
        session, family="retrofit", sign_up_eligible=True, list_price_cents=50_000, currency="EUR"
    )
    return World(
        session,
        users,
        owner,
        b.user(session, username="r_other_owner", role="account_owner"),
        tech,
        b.user(session, username="r_other_tech", role="technician", territory="north"),
        account.id,
        asset.id,
        offering,
    )


# One request per action: (method, path, json) for the acting user; ``own`` picks their record.
_KPI_SPEND = {
    "external_id": "FAIR-1",
    "kind": "trade_fair",
    "name": "Trade fair",
    "channel": "sales_rep",
    "start_on": "2026-03-01",
    "end_on": "2026-03-03",
    "amount": "12000.00",
    "currency": "EUR",
}
Request = tuple[str, str, dict[str, Any] | None]


def _gate(w: World, user: User, own: bool, gate: str) -> Request:
    owner = user if own else w.other_owner
    if gate == "pursue":
        oid = w.opportunity(owner, phase=2)
    elif gate == "tender":
        oid = w.opportunity(owner, phase=3, decisions={"pursue": "go"})
    elif gate == "approval":  # 5 M EUR at high risk: management approval needed
        oid = w.opportunity(
            owner, phase=3, decisions={"pursue": "go"}, value_cents=500_000_000, risk="high"
        )
    else:
        oid = w.opportunity(
            owner,
            phase=4,
            status="won",
            contract_value_cents=100_000_00,
            decisions={"pursue": "go", "tender": "go"},
        )
    return (
        "POST",
        f"/api/v1/opportunities/{oid}/decisions",
        {"gate": gate, "decision": "go", "reason": "checked with the team"},
    )


def _owned_visit(w: World, user: User, own: bool) -> int:
    return w.visit(user if own else (w.other_tech if user is w.tech else w.tech))


def _owned_sheet(w: World, user: User, own: bool) -> tuple[int, int]:
    return w.sheet(user if own else (w.other_tech if user is w.tech else w.tech))


def _owned_lead(w: World, user: User, own: bool) -> int:
    return w.lead(user if own else (w.other_tech if user is w.tech else w.tech))


def _sign(sheet_id: int, line_id: int) -> Request:
    return (
        "POST",
        f"/api/v1/sheets/{sheet_id}/sign",
        {"line_ids": [line_id], "signer_name": "Eva Buyer", "signed_on": "paper"},
    )


def _reopen(w: World) -> Request:
    oid = w.opportunity(w.owner, phase=2, status="rejected", decisions={"pursue": "no_go"})
    return "POST", f"/api/v1/opportunities/{oid}/reopen", {"reason": "the customer found a budget"}


def _quote(w: World, owner: User, status: str = "draft") -> int:
    """A quote of the account with one one-time line, owned by ``owner``."""
    from servitize.offers.models import Quote, QuoteLine

    q = Quote(
        number=f"Q-R{owner.id}{status[:3]}{len(status)}{next(_QUOTES)}",
        revision=1,
        account_id=w.account_id,
        owner_id=owner.id,
        title="Retrofit",
        status=status,
        kind="fixed",
        currency="EUR",
        term_months=12,
        valid_until=date(2030, 1, 1),
        terms={},
        approval_reasons=[],
    )
    w.session.add(q)
    w.session.flush()
    w.session.add(
        QuoteLine(
            quote_id=q.id,
            offering_id=w.offering.id,
            name="Retrofit",
            model="one_time",
            terms={},
            unit_price_cents=50_000,
        )
    )
    w.session.flush()
    return q.id


_QUOTES = iter(range(1, 1_000_000))


def _others_account(w: World) -> int:
    """An account of the same territory owned by another account owner."""
    return b.account(w.session, owner_id=w.other_owner.id, territory="north").id


def _contact(w: World) -> int:
    """A person of the account's buying centre."""
    from servitize.installed_base.models import Account

    return b.contact(w.session, w.session.get(Account, w.account_id)).id


def _contract(w: World) -> int:
    from servitize.offers.models import Contract

    c = Contract(
        number=f"C-R{next(_QUOTES)}",
        account_id=w.account_id,
        kind="subscription",
        name="Remote service",
        currency="EUR",
        fee_cents=18_000,
        period="month",
        start_on=date(2026, 1, 1),
        minimum_term_end=date(2027, 1, 1),
    )
    w.session.add(c)
    w.session.flush()
    return c.id


def _portal_sign(sheet_id: int, line_id: int) -> Request:
    return (
        "POST",
        f"/api/v1/portal/sheets/{sheet_id}/sign",
        {"line_ids": [line_id], "signer_name": "Eva Buyer", "agree": True},
    )


def _owned_account(w: World, user: User, own: bool) -> int:
    """The world's account (owned by the account owner), or another owner's account."""
    if own or user.role != "account_owner":
        return w.account_id
    return b.account(w.session, name="Other Press", owner_id=w.other_owner.id).id


def _contracted(w: World) -> Any:
    from tests.portal import helpers

    return helpers.contracted(w.session, w._account())


def _portal_dispute(w: World) -> Request:
    from tests.portal import helpers

    c = _contracted(w)
    return (
        "POST",
        "/api/v1/portal/disputes",
        {
            "contract_id": c.contract.id,
            "month": helpers.MONTH,
            "serial": c.asset.serial,
            "start": helpers.STOP_START.isoformat(),
            "asked_state": "excluded",
            "reason": "the grid failed",
        },
    )


def _dispute(w: World) -> int:
    from tests.portal import helpers

    return helpers.open_dispute(w.session, _contracted(w), w.users["customer"]).id


def _service_request(w: World, account_id: int) -> int:
    from servitize.installed_base.models import Account
    from tests.portal import helpers

    return helpers.service_request(w.session, w.session.get(Account, account_id)).id


def _change_request(w: World, quote_id: int) -> int:
    """A customer's open request for changes to the quote."""
    from servitize.portal.models import QuoteChangeRequest

    row = QuoteChangeRequest(quote_id=quote_id, account_id=w.account_id, message="Longer term")
    w.session.add(row)
    w.session.flush()
    return row.id


REQUESTS: dict[str, Callable[[World, User, bool], Request]] = {
    "asset.edit": lambda w, u, own: ("PATCH", f"/api/v1/assets/{w.asset_id}", {"model": "PX-300"}),
    "account.edit": lambda w, u, own: (
        "PATCH",
        f"/api/v1/accounts/{w.account_id if own or u is not w.owner else _others_account(w)}",
        {"industry": "mining"},
    ),
    "site.edit": lambda w, u, own: (
        "POST",
        f"/api/v1/accounts/{w.account_id}/sites",
        {"name": "Plant 2", "country": "DE"},
    ),
    "contact.edit": lambda w, u, own: (
        "PATCH",
        f"/api/v1/accounts/{w.account_id}/contacts/{_contact(w)}",
        {"title": "Head of maintenance"},
    ),
    "contract.create": lambda w, u, own: (
        "POST",
        "/api/v1/contracts",
        {
            "account_id": w.account_id,
            "name": "Uptime",
            "target_pct": 98,
            "fee": "1000",
            "valid_from": "2026-01-01",
        },
    ),
    "contact.add": lambda w, u, own: (
        "POST",
        f"/api/v1/accounts/{w.account_id}/contacts",
        {"name": "Eva Buyer", "buying_role": "procurement"},
    ),
    "consent.record": lambda w, u, own: (
        "POST",
        "/api/v1/consent/agreements",
        {
            "account_id": w.account_id,
            "data_kinds": ["status"],
            "purposes": ["contract_verification"],
            "valid_from": "2026-01-01T00:00:00Z",
        },
    ),
    "consent.self_service": lambda w, u, own: (
        "POST",
        "/api/v1/portal/consent/agreements",
        {"account_id": w.account_id, "data_kinds": ["status"], "purposes": ["billing"]},
    ),
    "account.assign_owner": lambda w, u, own: (
        "PUT",
        f"/api/v1/accounts/{w.account_id}/owner",
        {"owner_id": w.other_owner.id},
    ),
    "lead.report": lambda w, u, own: (
        "POST",
        "/api/v1/leads",
        {
            "account_id": w.account_id,
            "seen": "other",
            "observation": "worn seals on the press",
            "estimated_value": "1000",
        },
    ),
    "lead.act": lambda w, u, own: (
        "POST",
        f"/api/v1/leads/{_owned_lead(w, u, own)}/actions",
        {"action": "propose"},
    ),
    "lead.dismiss": lambda w, u, own: (
        "POST",
        f"/api/v1/leads/{_owned_lead(w, u, own)}/dismiss",
        {"reason": "already bought elsewhere"},
    ),
    "proficiency.record": lambda w, u, own: (
        "PUT",
        f"/api/v1/twin-proficiency/{w.other_owner.id}",
        {"level": 3},
    ),
    "visit.plan": lambda w, u, own: (
        "POST",
        "/api/v1/visits",
        {
            "account_id": w.account_id,
            "day": "2026-12-01",
            "technician_id": u.id if own else (w.other_tech.id if u is w.tech else w.tech.id),
        },
    ),
    "visit.feedback": lambda w, u, own: (
        "POST",
        f"/api/v1/visits/{_owned_visit(w, u, own)}/feedback",
        {"rating": 5},
    ),
    "sheet.prepare": lambda w, u, own: (
        "POST",
        f"/api/v1/visits/{_owned_visit(w, u, own)}/sheets",
        None,
    ),
    # A customer signs in the portal (the staff's routes answer 404 to them).
    "sheet.sign": lambda w, u, own: (
        _portal_sign(*w.sheet(w.tech)) if u.role == "customer" else _sign(*_owned_sheet(w, u, own))
    ),
    "contest.create": lambda w, u, own: (
        "POST",
        "/api/v1/contests",
        {"month": "2026-12", "title": "Most sheets signed", "prize": "a dinner"},
    ),
    "practice.share": lambda w, u, own: (
        "POST",
        "/api/v1/best-practices",
        {"title": "Ask about spares", "body": "Open the spare-parts cabinet with the customer."},
    ),
    "opportunity.create": lambda w, u, own: (
        "POST",
        "/api/v1/opportunities",
        {"account_id": w.account_id, "title": "Retrofit"},
    ),
    "opportunity.edit": lambda w, u, own: (
        "PATCH",
        f"/api/v1/opportunities/{w.opportunity(w.owner)}",
        {"probability": 40},
    ),
    "opportunity.advance": lambda w, u, own: (
        "POST",
        f"/api/v1/opportunities/{w.opportunity(w.owner)}/advance",
        None,
    ),
    "opportunity.activity": lambda w, u, own: (
        "POST",
        f"/api/v1/opportunities/{w.opportunity(w.owner)}/activities",
        {"phase": 1, "title": "Plant tour", "actor": "sales", "layer": "onstage"},
    ),
    "opportunity.team": lambda w, u, own: (
        "POST",
        f"/api/v1/opportunities/{w.opportunity(w.owner)}/team",
        {"role": "sales", "name": "Sven"},
    ),
    "opportunity.handover": lambda w, u, own: (
        "PUT",
        f"/api/v1/opportunities/{w.opportunity(w.owner, phase=3)}/handover",
        {"checklist": {}},
    ),
    "opportunity.outcome": lambda w, u, own: (
        "POST",
        f"/api/v1/opportunities/{w.opportunity(w.owner, phase=2)}/outcome",
        {"result": "lost", "reasons": [policy().loss_reasons[0]]},
    ),
    "opportunity.survey": lambda w, u, own: (
        "POST",
        f"/api/v1/opportunities/{w.opportunity(w.owner, phase=5, status='won')}/surveys",
        None,
    ),
    "gate.pursue": lambda w, u, own: _gate(w, u, own, "pursue"),
    "gate.tender": lambda w, u, own: _gate(w, u, own, "tender"),
    "gate.approval": lambda w, u, own: _gate(w, u, own, "approval"),
    "gate.acceptance": lambda w, u, own: _gate(w, u, own, "acceptance"),
    "gate.reopen": lambda w, u, own: _reopen(w),
    "quote.create": lambda w, u, own: (
        "POST",
        "/api/v1/quotes",
        {"account_id": w.account_id, "title": "Retrofit"},
    ),
    "quote.edit": lambda w, u, own: (
        "POST",
        f"/api/v1/quotes/{_quote(w, u if own else w.other_owner)}/lines",
        {"offering": w.offering.external_id},
    ),
    "quote.approve": lambda w, u, own: (
        "POST",
        f"/api/v1/quotes/{_quote(w, w.other_owner, 'pending_approval')}/approve",
        {},
    ),
    "quote.accept": lambda w, u, own: (
        (
            "POST",
            f"/api/v1/portal/quotes/{_quote(w, w.owner, 'sent')}/accept",
            {"name": "Anna Berg"},
        )
        if u.role == "customer"
        else (
            "POST",
            f"/api/v1/quotes/{_quote(w, u if own else w.other_owner, 'approved')}/accept",
            {"name": "Anna Berg"},
        )
    ),
    # The customer portal (servitize.portal; tests/portal/helpers.py builds its records).
    "portal.invite": lambda w, u, own: (
        "POST",
        "/api/v1/portal-users",
        {"account_id": _owned_account(w, u, own), "email": f"buyer{next(_QUOTES)}@acme.example"},
    ),
    "portal.dispute": lambda w, u, own: _portal_dispute(w),
    "dispute.answer": lambda w, u, own: (
        "POST",
        f"/api/v1/disputes/{_dispute(w)}/answer",
        {"upheld": False, "answer": "the stop was ours; it counts"},
    ),
    "portal.quote_changes": lambda w, u, own: (
        "POST",
        f"/api/v1/portal/quotes/{_quote(w, w.owner, 'sent')}/changes",
        {"message": "Please quote a 24-month term"},
    ),
    "portal.request": lambda w, u, own: (
        "POST",
        "/api/v1/portal/requests",
        {"account_id": w.account_id, "text": "The press squeaks"},
    ),
    "request.handle": lambda w, u, own: (
        "POST",
        f"/api/v1/service-requests/{_service_request(w, _owned_account(w, u, own))}/handle",
        {"action": "close"},
    ),
    "contract.change": lambda w, u, own: (
        "POST",
        f"/api/v1/contracts/{_contract(w)}/changes",
        {"action": "renew", "on": "2026-12-01", "months": 12},
    ),
    "billing.run": lambda w, u, own: ("POST", "/api/v1/billing/runs", {"period": "2026-01"}),
    "kpis.view": lambda w, u, own: (
        "GET",
        f"/api/v1/kpis/cac?owner_id={u.id if own else w.other_owner.id}",
        None,
    ),
    "effort.record": lambda w, u, own: (
        "POST",
        "/api/v1/kpis/effort",
        {"visit_id": w.visit(w.tech), "day": "2026-01-15", "hours": "1.5"},
    ),
    "spend.record": lambda w, u, own: ("POST", "/api/v1/kpis/spend", _KPI_SPEND),
    "user.manage": lambda w, u, own: (
        "PATCH",
        f"/api/v1/users/{w.other_owner.id}",
        {"territory": "south"},
    ),
    "audit.read": lambda w, u, own: ("GET", "/api/v1/audit/entries?entity=user", None),
    "value_case.create": lambda w, u, own: (
        "POST",
        "/api/v1/value-cases",
        {"account_id": w.account_id},
    ),
    "value_case.edit": lambda w, u, own: (
        "PATCH",
        f"/api/v1/value-cases/{_value_case(w)}",
        {"assumptions": {"years": 6}},
    ),
    "network.score": lambda w, u, own: (
        "PUT",
        f"/api/v1/network-models/{_network_model(w)}/scores",
        {"matrix": [["0", "2"], ["-1s", "0"]]},
    ),
    "network.edit": lambda w, u, own: ("POST", "/api/v1/network-models", {"name": "Lab"}),
    # Service work (servitize.service_work): a technician updates only work assigned to them.
    "work.create": lambda w, u, own: (
        "POST",
        "/api/v1/work",
        {"account_id": w.account_id, "title": "Fix the press"},
    ),
    "work.update": lambda w, u, own: (
        "POST",
        f"/api/v1/work/{_work_order(w, u if own else _other_tech(w, u))}/status",
        {"status": "in_progress"},
    ),
    "work.schedule": lambda w, u, own: (
        "POST",
        "/api/v1/dispatch/schedule",
        {
            "work_order_id": _work_order(w, None),
            "technician_id": w.tech.id,
            "day": "2026-12-01",
            "start": "08:00",
            "minutes": 60,
        },
    ),
    "pm_plan.edit": lambda w, u, own: (
        "POST",
        "/api/v1/pm-plans",
        {
            "name": "Yearly inspection",
            "account_id": w.account_id,
            "asset_id": w.asset_id,
            "interval_months": 12,
            "start_on": "2026-01-01",
        },
    ),
    **partner_roles.requests(),  # partner.*, activity.partner_done, competitor.*
    "org_type.assign": lambda w, u, own: (
        "POST",
        "/api/v1/org/types/assignments",
        {"basis": "account", "accounts": [w.account_id], "org_type": 2, "reason": "pilot"},
    ),
    "org_type.sellers": lambda w, u, own: (
        "POST",
        "/api/v1/org/types/sellers",
        {"user": "r_owner", "desk": "digital"},
    ),
}


def _other_tech(w: World, user: User) -> User:
    """A technician other than ``user``."""
    return w.other_tech if user is w.tech else w.tech


def _work_order(w: World, technician: User | None) -> int:
    """A work order of the account: scheduled to ``technician`` (on a visit), or new."""
    from servitize.service_work.models import WorkOrder

    visit = w.visit(technician) if technician is not None else None
    order = WorkOrder(
        account_id=w.account_id,
        asset_id=w.asset_id,
        title="Replace seals",
        source="manual",
        status="scheduled" if technician is not None else "new",
        technician_id=technician.id if technician is not None else None,
        visit_id=visit,
        checklist=[{"item": "Drain oil", "done": False}],
        created_by="r_head",
    )
    w.session.add(order)
    w.session.flush()
    return order.id


def _pm_plan(w: World) -> int:
    """A monthly maintenance plan of the account's machine."""
    from servitize.service_work.models import PmPlan

    plan = PmPlan(
        name="Monthly",
        account_id=w.account_id,
        asset_id=w.asset_id,
        interval_months=1,
        start_on=date(2026, 1, 1),
        kind="maintenance",
        checklist=[],
        active=True,
        created_by="r_head",
    )
    w.session.add(plan)
    w.session.flush()
    return plan.id


def _network_model(w: World) -> int:
    """A network model of two variables."""
    from servitize.organisation.models import NetworkModel

    model = NetworkModel(name="Lab", variables=["a", "b"], scale_max=3, created_by="r_head")
    w.session.add(model)
    w.session.flush()
    return model.id


def _agreement(w: World) -> int:
    """A data-sharing agreement of the account (status data for billing)."""
    from servitize.telemetry import consent
    from servitize.trust.audit import Actor

    return consent.record_agreement(
        w.session, Actor("r_owner"), w.account_id, ["status"], ["billing"], NOW
    ).id


def _value_case(w: World) -> int:
    """A value case of the account's machine."""
    from servitize.value.models import ValueCase

    case = ValueCase(
        account_id=w.account_id,
        title="Value case",
        currency="EUR",
        asset_ids=[w.asset_id],
        assumptions={},
        created_by="r_owner",
    )
    w.session.add(case)
    w.session.flush()
    return case.id


def _send(client: Any, session: Session, user: User, req: Request) -> Any:
    method, path, body = req
    headers = {"Authorization": f"Bearer {issue_token(session, user)}"}
    return client.request(method, path, headers=headers, json=body)


def test_the_docs_table_is_the_code_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert START in text and END in text, "docs/access.md lost its table markers"
    shown = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == access_table(), "regenerate the table in docs/access.md from access_table()"
    # Every action in the table has its request here, so every cell is tested below.
    assert set(REQUESTS) == set(ACTIONS)


CELLS = [(role, action) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("role", "action"), CELLS, ids=[f"{a}-{r}" for r, a in CELLS])
def test_cell(session, app_client, role: str, action: str) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    user = w.users[role]
    cell = ACTIONS[action][1][role]
    r = _send(app_client, session, user, REQUESTS[action](w, user, cell == OWN))
    if cell == NO:
        assert r.status_code in REFUSED, (r.status_code, r.text)
        return
    assert 200 <= r.status_code < 400, (r.status_code, r.text)
    if cell == OWN:  # the same action on someone else's record is refused
        other = _send(app_client, session, user, REQUESTS[action](w, user, False))
        assert other.status_code in REFUSED, (other.status_code, other.text)
    assert cell in (YES, OWN)


def test_approval_is_not_decided_by_the_owning_sales_manager(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    manager = w.users["sales_manager"]
    r = _send(app_client, session, manager, _gate(w, manager, True, "approval"))
    assert r.status_code == 403 and "other than the opportunity's owner" in r.json()["detail"]


def test_a_technician_does_not_dismiss_others_leads(session, app_client) -> None:  # type: ignore[no-untyped-def]
    """The issue's example: a technician dismissed another's lead through the lead list."""
    w = build(session)
    lead_id = w.lead(w.other_tech)
    r = _send(
        app_client,
        session,
        w.tech,
        ("POST", f"/api/v1/leads/{lead_id}/dismiss", {"reason": "not interested"}),
    )
    assert r.status_code in REFUSED
    assert session.get(Lead, lead_id).status == "open"


def test_an_analyst_signing_a_sheet_creates_no_order(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    sheet_id, line_id = w.sheet(w.tech)
    r = _send(
        app_client,
        session,
        w.users["analyst"],
        (
            "POST",
            f"/api/v1/sheets/{sheet_id}/sign",
            {"line_ids": [line_id], "signer_name": "Eva Buyer", "signed_on": "paper"},
        ),
    )
    assert r.status_code == 403
    assert session.query(Order).filter(Order.account_id == w.account_id).count() == 0
    assert session.get(SignUpSheet, sheet_id).status == "proposed"


# Every write route of the app: (method, path template) -> how to fill it for the analyst sweep.
# Public routes (login, logout, the customer's survey answer) carry no role.
PUBLIC = {
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/survey/{token}"),
    ("POST", "/q/{token}"),  # the customer accepts a quote through the signed link
    ("POST", "/portal/join/{token}"),  # an invited customer sets their password
}
# A user's own API tokens and the admin's token list: the session side, not a business record.
SELF_SERVICE = {
    ("DELETE", "/api/v1/tokens/{token_id}"),
    ("POST", "/admin/tokens/{token_id}/revoke"),
    # Your own password and API tokens (trust.admin_views, trust.users_api).
    ("POST", "/api/v1/tokens"),
    ("PUT", "/api/v1/account/password"),
    ("POST", "/account/password"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id}/revoke"),
    # Your own saved filters of a list (trust.saved_filters_views): they change no record.
    ("POST", "/saved-filters"),
    ("POST", "/saved-filters/{filter_id}/delete"),
}


def _pages(w: World) -> dict[tuple[str, str], Request | tuple[str, str, dict[str, Any], str]]:
    """Each write route with a request the analyst could otherwise make (forms marked 'form')."""
    oid = w.opportunity(w.owner, phase=3, decisions={"pursue": "go"})
    closed = w.opportunity(w.owner, phase=2, status="rejected", decisions={"pursue": "no_go"})
    won = w.opportunity(w.owner, phase=5, status="won")
    visit = w.visit(w.tech)
    sheet_id, line_id = w.sheet(w.tech)
    lead = w.lead(w.tech)
    activity = SalesActivity(
        opportunity_id=oid, phase=3, title="Site survey", actor="sales", layer="onstage"
    )
    w.session.add(activity)
    w.session.flush()
    act = activity.id
    api: dict[tuple[str, str], Request] = {}
    form: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    api[("PATCH", "/api/v1/assets/{asset_id}")] = (
        "PATCH",
        f"/api/v1/assets/{w.asset_id}",
        {"model": "X"},
    )
    # Editing records by hand (installed_base.editing, sales.editing, contracts.editing).
    api[("PATCH", "/api/v1/accounts/{account_id}")] = REQUESTS["account.edit"](w, w.owner, True)
    api[("POST", "/api/v1/accounts/{account_id}/sites")] = REQUESTS["site.edit"](w, w.owner, True)
    site = b.site(w.session, w._account())
    api[("PATCH", "/api/v1/accounts/{account_id}/sites/{site_id}")] = (
        "PATCH",
        f"/api/v1/accounts/{w.account_id}/sites/{site.id}",
        {"city": "Bremen"},
    )
    contact = _contact(w)
    api[("PATCH", "/api/v1/accounts/{account_id}/contacts/{contact_id}")] = (
        "PATCH",
        f"/api/v1/accounts/{w.account_id}/contacts/{contact}",
        {"title": "Buyer"},
    )
    api[("POST", "/api/v1/contracts")] = REQUESTS["contract.create"](w, w.owner, True)
    api[("POST", "/api/v1/opportunities/from-lead/{lead_id}")] = (
        "POST",
        f"/api/v1/opportunities/from-lead/{lead}",
        None,
    )
    a = f"/accounts/{w.account_id}"
    form[("POST", "/accounts/{account_id}/edit")] = (f"{a}/edit", {"name": "Acme", "industry": "x"})
    form[("POST", "/accounts/{account_id}/sites/new")] = (
        f"{a}/sites/new",
        {"name": "Depot", "country": "AT"},
    )
    form[("POST", "/accounts/{account_id}/sites/{site_id}/edit")] = (
        f"{a}/sites/{site.id}/edit",
        {"name": "Depot", "country": "AT"},
    )
    form[("POST", "/accounts/{account_id}/contacts/{contact_id}/edit")] = (
        f"{a}/contacts/{contact}/edit",
        {"name": "Eva", "buying_role": "user", "active": "true"},
    )
    form[("POST", "/accounts/{account_id}/contacts/{contact_id}/deactivate")] = (
        f"{a}/contacts/{contact}/deactivate",
        {},
    )
    form[("POST", "/opportunities/{opportunity_id}/edit")] = (
        f"/opportunities/{oid}/edit",
        {"title": "Press line", "currency": "EUR"},
    )
    form[("POST", "/leads/{lead_id}/opportunity")] = (f"/leads/{lead}/opportunity", {})
    form[("POST", "/contracts/new")] = (
        "/contracts/new",
        {
            "account_id": w.account_id,
            "name": "Uptime",
            "target_pct": "98",
            "fee": "10",
            "valid_from": "2026-01-01",
        },
    )
    api[("POST", "/api/v1/accounts/{account_id}/contacts")] = (
        "POST",
        f"/api/v1/accounts/{w.account_id}/contacts",
        {"name": "Eva", "buying_role": "procurement"},
    )
    api[("POST", "/api/v1/consent/agreements")] = REQUESTS["consent.record"](w, w.owner, False)
    agreement = _agreement(w)
    for step in ("change", "revoke"):
        body = {"data_kinds": ["status"], "purposes": ["billing"]} if step == "change" else None
        for side in ("/api/v1/consent/agreements/", "/api/v1/portal/consent/agreements/"):
            api[("POST", side + "{agreement_id}/" + step)] = (
                "POST",
                f"{side}{agreement}/{step}",
                body,
            )
        form[("POST", "/accounts/{account_id}/consent/{agreement_id}/" + step)] = (
            f"/accounts/{w.account_id}/consent/{agreement}/{step}",
            body or {},
        )
        form[("POST", "/portal/consent/{agreement_id}/" + step)] = (
            f"/portal/consent/{agreement}/{step}",
            body or {},
        )
    api[("POST", "/api/v1/portal/consent/agreements")] = REQUESTS["consent.self_service"](
        w, w.owner, True
    )
    form[("POST", "/portal/consent/grant")] = (
        "/portal/consent/grant",
        {"account_id": w.account_id, "data_kinds": ["status"], "purposes": ["billing"]},
    )
    api[("PUT", "/api/v1/accounts/{account_id}/owner")] = (
        "PUT",
        f"/api/v1/accounts/{w.account_id}/owner",
        {"owner_id": w.other_owner.id},
    )
    api[("POST", "/api/v1/leads")] = (
        "POST",
        "/api/v1/leads",
        {"account_id": w.account_id, "observation": "worn seals", "estimated_value": "10"},
    )
    api[("POST", "/api/v1/leads/{lead_id}/actions")] = (
        "POST",
        f"/api/v1/leads/{lead}/actions",
        {"action": "propose"},
    )
    api[("POST", "/api/v1/leads/{lead_id}/dismiss")] = (
        "POST",
        f"/api/v1/leads/{lead}/dismiss",
        {"reason": "no need"},
    )
    api[("PUT", "/api/v1/twin-proficiency/{user_id}")] = (
        "PUT",
        f"/api/v1/twin-proficiency/{w.owner.id}",
        {"level": 2},
    )
    api[("POST", "/api/v1/visits")] = (
        "POST",
        "/api/v1/visits",
        {"account_id": w.account_id, "day": "2026-12-01", "technician_id": w.tech.id},
    )
    api[("POST", "/api/v1/visits/{visit_id}/feedback")] = (
        "POST",
        f"/api/v1/visits/{visit}/feedback",
        {"rating": 4},
    )
    api[("POST", "/api/v1/visits/{visit_id}/sheets")] = (
        "POST",
        f"/api/v1/visits/{visit}/sheets",
        None,
    )
    api[("PUT", "/api/v1/sheets/{sheet_id}/lines")] = (
        "PUT",
        f"/api/v1/sheets/{sheet_id}/lines",
        {"offering_ids": [w.offering.id]},
    )
    api[("POST", "/api/v1/sheets/{sheet_id}/sign")] = (
        "POST",
        f"/api/v1/sheets/{sheet_id}/sign",
        {"line_ids": [line_id], "signer_name": "Eva Buyer", "signed_on": "paper"},
    )
    api[("POST", "/api/v1/sheets/{sheet_id}/cancel")] = (
        "POST",
        f"/api/v1/sheets/{sheet_id}/cancel",
        {"reason": "not today"},
    )
    api[("POST", "/api/v1/contests")] = (
        "POST",
        "/api/v1/contests",
        {"month": "2026-12", "title": "Sheets", "prize": "a dinner"},
    )
    api[("POST", "/api/v1/best-practices")] = (
        "POST",
        "/api/v1/best-practices",
        {"title": "Spares", "body": "Open the spare-parts cabinet."},
    )
    o = "/api/v1/opportunities"
    api[("POST", o)] = ("POST", o, {"account_id": w.account_id, "title": "Retrofit"})
    api[("PATCH", o + "/{opportunity_id}")] = ("PATCH", f"{o}/{oid}", {"probability": 30})
    api[("POST", o + "/{opportunity_id}/advance")] = ("POST", f"{o}/{oid}/advance", None)
    api[("POST", o + "/{opportunity_id}/decisions")] = (
        "POST",
        f"{o}/{oid}/decisions",
        {"gate": "tender", "decision": "go", "reason": "fits"},
    )
    api[("POST", o + "/{opportunity_id}/reopen")] = (
        "POST",
        f"{o}/{closed}/reopen",
        {"reason": "budget"},
    )
    q, pending, approved = (
        _quote(w, w.owner),
        _quote(w, w.other_owner, "pending_approval"),
        _quote(w, w.owner, "approved"),
    )
    qs = "/api/v1/quotes"
    api[("POST", qs)] = ("POST", qs, {"account_id": w.account_id, "title": "Retrofit"})
    api[("POST", qs + "/{quote_id}/lines")] = (
        "POST",
        f"{qs}/{q}/lines",
        {"offering": w.offering.external_id},
    )
    api[("DELETE", qs + "/{quote_id}/lines/{line_id}")] = ("DELETE", f"{qs}/{q}/lines/1", None)
    formula = {"offering": w.offering.external_id, "machines": 1, "size_class": "M"}
    api[("POST", qs + "/{quote_id}/formula")] = ("POST", f"{qs}/{q}/formula", formula)
    api[("POST", qs + "/{quote_id}/formula/lines")] = ("POST", f"{qs}/{q}/formula/lines", formula)
    for step, target in (("submit", q), ("send", approved), ("revise", q)):
        api[("POST", qs + "/{quote_id}/" + step)] = ("POST", f"{qs}/{target}/{step}", {})
    api[("POST", qs + "/{quote_id}/approve")] = ("POST", f"{qs}/{pending}/approve", {})
    api[("POST", qs + "/{quote_id}/accept")] = ("POST", f"{qs}/{approved}/accept", {"name": "Ann"})
    api[("POST", "/api/v1/contracts/{contract_id}/changes")] = (
        "POST",
        f"/api/v1/contracts/{_contract(w)}/changes",
        {"action": "renew", "on": "2026-12-01", "months": 12},
    )
    api[("POST", "/api/v1/billing/runs")] = ("POST", "/api/v1/billing/runs", {"period": "2026-01"})
    kpi_effort = {"visit_id": visit, "day": "2026-01-15", "hours": "1"}
    api[("POST", "/api/v1/kpis/effort")] = ("POST", "/api/v1/kpis/effort", kpi_effort)
    api[("POST", "/api/v1/kpis/spend")] = ("POST", "/api/v1/kpis/spend", _KPI_SPEND)
    api[("POST", "/api/v1/kpis/spend/import")] = (
        "POST",
        "/api/v1/kpis/spend/import",
        {"kind": "spend", "csv": "external_id,kind\n"},
    )
    api[("PUT", "/api/v1/kpis/cost-rates")] = (
        "PUT",
        "/api/v1/kpis/cost-rates",
        {"role": "technician", "valid_from": "2026-01-01", "per_hour": "60"},
    )
    api[("POST", "/api/v1/billing/periods/{period}/close")] = (
        "POST",
        "/api/v1/billing/periods/2026-01/close",
        None,
    )
    api[("POST", o + "/{opportunity_id}/activities")] = (
        "POST",
        f"{o}/{oid}/activities",
        {"phase": 3, "title": "Tour", "actor": "sales", "layer": "onstage"},
    )
    api[("PATCH", o + "/{opportunity_id}/activities/{activity_id}")] = (
        "PATCH",
        f"{o}/{oid}/activities/{act}",
        {"status": "done"},
    )
    api[("POST", o + "/{opportunity_id}/team")] = (
        "POST",
        f"{o}/{oid}/team",
        {"role": "sales", "name": "S"},
    )
    api[("PUT", o + "/{opportunity_id}/handover")] = (
        "PUT",
        f"{o}/{oid}/handover",
        {"checklist": {}},
    )
    api[("POST", o + "/{opportunity_id}/outcome")] = (
        "POST",
        f"{o}/{oid}/outcome",
        {"result": "lost", "reasons": [policy().loss_reasons[0]]},
    )
    api[("POST", o + "/{opportunity_id}/surveys")] = ("POST", f"{o}/{won}/surveys", None)
    form[("POST", "/assets/{asset_id}/fix")] = (f"/assets/{w.asset_id}/fix", {"model": "X"})
    form[("POST", "/accounts/{account_id}/contacts/new")] = (
        f"/accounts/{w.account_id}/contacts/new",
        {"name": "Eva", "buying_role": "procurement"},
    )
    form[("POST", "/accounts/{account_id}/consent")] = (
        f"/accounts/{w.account_id}/consent",
        {
            "data_kinds": ["status"],
            "purposes": ["contract_verification"],
            "valid_from": "2026-01-01",
        },
    )
    form[("POST", "/accounts/{account_id}/owner")] = (
        f"/accounts/{w.account_id}/owner",
        {"owner_id": w.other_owner.id},
    )
    form[("POST", "/report")] = (
        "/report",
        {"account_id": w.account_id, "seen": "other", "observation": "worn seals", "value": "10"},
    )
    form[("POST", "/inbox/{lead_id}/action")] = (f"/inbox/{lead}/action", {"action": "propose"})
    form[("POST", "/visits/new")] = (
        "/visits/new",
        {"account_id": w.account_id, "day": "2026-12-01", "technician_id": w.tech.id},
    )
    form[("POST", "/visits/{visit_id}/sheets")] = (f"/visits/{visit}/sheets", {})
    form[("POST", "/visits/{visit_id}/feedback")] = (f"/visits/{visit}/feedback", {"rating": 4})
    form[("POST", "/sheets/{sheet_id}/lines")] = (
        f"/sheets/{sheet_id}/lines",
        {"add": w.offering.id},
    )
    form[("POST", "/sheets/{sheet_id}/sign")] = (
        f"/sheets/{sheet_id}/sign",
        {"signer_name": "Eva Buyer", "line_ids": [line_id], "signed_on": "paper"},
    )
    form[("POST", "/sheets/{sheet_id}/cancel")] = (
        f"/sheets/{sheet_id}/cancel",
        {"reason": "not today"},
    )
    form[("POST", "/leaderboard/notes")] = (
        "/leaderboard/notes",
        {"title": "Spares", "body": "Open the spare-parts cabinet."},
    )
    form[("POST", "/twin/proficiency")] = ("/twin/proficiency", {"user_id": w.owner.id, "level": 2})
    p = "/opportunities"
    form[("POST", p)] = (p, {"account_id": w.account_id, "title": "Retrofit"})
    form[("POST", p + "/{opportunity_id}/decide")] = (
        f"{p}/{oid}/decide",
        {"gate": "tender", "decision": "go", "reason": "fits"},
    )
    form[("POST", p + "/{opportunity_id}/reopen")] = (f"{p}/{closed}/reopen", {"reason": "budget"})
    form[("POST", p + "/{opportunity_id}/advance")] = (f"{p}/{oid}/advance", {})
    form[("POST", p + "/{opportunity_id}/activities/{activity_id}")] = (
        f"{p}/{oid}/activities/{act}",
        {"status": "done"},
    )
    form[("POST", p + "/{opportunity_id}/team")] = (
        f"{p}/{oid}/team",
        {"role": "sales", "name": "S"},
    )
    form[("POST", p + "/{opportunity_id}/outcome")] = (
        f"{p}/{oid}/outcome",
        {"result": "lost", "reasons": [policy().loss_reasons[0]]},
    )
    form[("POST", p + "/{opportunity_id}/handover")] = (f"{p}/{oid}/handover", {})
    form[("POST", p + "/{opportunity_id}/survey")] = (f"{p}/{won}/survey", {})
    form[("POST", "/quotes")] = ("/quotes", {"account_id": w.account_id, "title": "Retrofit"})
    form[("POST", "/kpis/effort")] = (
        "/kpis/effort",
        {"subject": "visit", "subject_id": str(visit), "day": "2026-01-15", "hours": "1"},
    )
    form[("POST", "/kpis/spend/import")] = ("/kpis/spend/import", {"kind": "spend"})
    form[("POST", "/quotes/{quote_id}/lines")] = (
        f"/quotes/{q}/lines",
        {"offering": w.offering.external_id},
    )
    for formula in ("formula", "formula/lines"):  # a budget price, a line at the fixed price
        form[("POST", "/quotes/{quote_id}/" + formula)] = (
            f"/quotes/{q}/{formula}",
            {"offering": w.offering.external_id, "machines": "1", "size_class": "M"},
        )
    form[("POST", "/quotes/{quote_id}/lines/{line_id}/remove")] = (
        f"/quotes/{q}/lines/1/remove",
        {},
    )
    for step, target in (("submit", q), ("send", approved), ("revise", q)):
        form[("POST", "/quotes/{quote_id}/" + step)] = (f"/quotes/{target}/{step}", {})
    form[("POST", "/quotes/{quote_id}/approve")] = (f"/quotes/{pending}/approve", {"reason": "ok"})
    form[("POST", "/quotes/{quote_id}/accept")] = (f"/quotes/{approved}/accept", {"name": "Ann"})
    form[("POST", "/sold-contracts/{contract_id}/changes")] = (
        f"/sold-contracts/{_contract(w)}/changes",
        {"action": "renew", "months": "12"},
    )
    form[("POST", "/billing/runs")] = ("/billing/runs", {"period": "2026-01"})
    form[("POST", "/billing/{period}/close")] = ("/billing/2026-01/close", {})
    vc = _value_case(w)
    api[("POST", "/api/v1/value-cases")] = REQUESTS["value_case.create"](w, w.owner, True)
    api[("PATCH", "/api/v1/value-cases/{case_id}")] = (
        "PATCH",
        f"/api/v1/value-cases/{vc}",
        {"assumptions": {"years": 6}},
    )
    form[("POST", "/value-cases")] = ("/value-cases", {"account_id": w.account_id})
    form[("POST", "/value-cases/{case_id}/assumptions")] = (
        f"/value-cases/{vc}/assumptions",
        {"years": "6"},
    )
    nm, lab = _network_model(w), "/api/v1/network-models"
    api[("POST", lab)] = REQUESTS["network.edit"](w, w.owner, True)
    api[("PUT", lab + "/{model_id}/scores")] = (
        "PUT",
        f"{lab}/{nm}/scores",
        {"matrix": [[0, 1], [1, 0]]},
    )
    api[("POST", lab + "/{model_id}/versions")] = (
        "POST",
        f"{lab}/{nm}/versions",
        {"matrix": [[0, 1], [1, 0]]},
    )
    form[("POST", "/organisation/lab")] = ("/organisation/lab", {"name": "Lab"})
    types = "/api/v1/org/types"
    api[("POST", types + "/assignments")] = REQUESTS["org_type.assign"](w, w.owner, True)
    api[("POST", types + "/assignments/{assignment_id}/end")] = (
        "POST",
        f"{types}/assignments/1/end",
        {},
    )
    api[("POST", types + "/sellers")] = REQUESTS["org_type.sellers"](w, w.owner, True)
    api[("DELETE", types + "/sellers/{seller_id}")] = ("DELETE", f"{types}/sellers/1", None)
    form[("POST", "/org/types/assignments")] = (
        "/org/types/assignments",
        {"basis": "account", "accounts": str(w.account_id), "org_type": "2", "reason": "x"},
    )
    form[("POST", "/org/types/assignments/{assignment_id}/end")] = (
        "/org/types/assignments/1/end",
        {},
    )
    form[("POST", "/org/types/sellers")] = ("/org/types/sellers", {"user": "r_owner"})
    form[("POST", "/org/types/sellers/{seller_id}/remove")] = ("/org/types/sellers/1/remove", {})
    for step in ("scores", "versions"):
        form[("POST", "/organisation/lab/{model_id}/" + step)] = (
            f"/organisation/lab/{nm}/{step}",
            {"cell": ["0", "1", "1", "0"]},
        )
    users, target = "/api/v1/users", w.other_owner.id
    api[("PATCH", users + "/{user_id}")] = ("PATCH", f"{users}/{target}", {"territory": "s"})
    api[("POST", users + "/{user_id}/password-reset")] = (
        "POST",
        f"{users}/{target}/password-reset",
        None,
    )
    api[("POST", users + "/{user_id}/tokens")] = ("POST", f"{users}/{target}/tokens", {})
    page = f"/admin/users/{target}"
    form[("POST", "/admin/users/{user_id}")] = (page, {"role": "analyst"})
    for step in ("deactivate", "reactivate", "reset-password", "tokens"):
        form[("POST", "/admin/users/{user_id}/" + step)] = (f"{page}/{step}", {})
    form[("POST", "/admin/users/{user_id}/tokens/{token_id}/revoke")] = (
        f"{page}/tokens/1/revoke",
        {},
    )
    _portal_routes(w, api, form, sheet_id, line_id)
    wo, plan = _work_order(w, w.tech), _pm_plan(w)
    wk = f"/api/v1/work/{wo}"
    api[("POST", "/api/v1/work")] = REQUESTS["work.create"](w, w.owner, True)
    api[("POST", "/api/v1/work/alerts/scan")] = ("POST", "/api/v1/work/alerts/scan", None)
    api[("POST", "/api/v1/work/{work_order_id}/status")] = (
        "POST",
        f"{wk}/status",
        {"status": "in_progress"},
    )
    api[("POST", "/api/v1/work/{work_order_id}/checklist")] = (
        "POST",
        f"{wk}/checklist",
        {"index": 0, "done": True},
    )
    api[("POST", "/api/v1/work/{work_order_id}/checklist/items")] = (
        "POST",
        f"{wk}/checklist/items",
        {"item": "Check the pump"},
    )
    api[("POST", "/api/v1/work/{work_order_id}/entries")] = (
        "POST",
        f"{wk}/entries",
        {"kind": "note", "text": "seals brittle"},
    )
    api[("POST", "/api/v1/work/{work_order_id}/photos")] = ("POST", f"{wk}/photos", None)
    api[("POST", "/api/v1/work/{work_order_id}/unschedule")] = ("POST", f"{wk}/unschedule", None)
    api[("POST", "/api/v1/dispatch/schedule")] = (
        "POST",
        "/api/v1/dispatch/schedule",
        {"work_order_id": wo, "technician_id": w.tech.id, "day": "2026-12-02"},
    )
    api[("PUT", "/api/v1/dispatch/skills/{user_id}")] = (
        "PUT",
        f"/api/v1/dispatch/skills/{w.tech.id}",
        {"skills": ["hydraulics"]},
    )
    api[("POST", "/api/v1/pm-plans")] = REQUESTS["pm_plan.edit"](w, w.owner, True)
    api[("POST", "/api/v1/pm-plans/run")] = ("POST", "/api/v1/pm-plans/run", {})
    api[("PATCH", "/api/v1/pm-plans/{plan_id}")] = (
        "PATCH",
        f"/api/v1/pm-plans/{plan}",
        {"active": False},
    )
    form[("POST", "/work")] = ("/work", {"account_id": w.account_id, "title": "Fix the press"})
    form[("POST", "/work/{work_order_id}/status")] = (f"/work/{wo}/status", {"status": "done"})
    form[("POST", "/work/{work_order_id}/checklist")] = (f"/work/{wo}/checklist", {"index": "0"})
    form[("POST", "/work/{work_order_id}/entries")] = (
        f"/work/{wo}/entries",
        {"kind": "time", "hours": "1.5"},
    )
    form[("POST", "/work/{work_order_id}/photos")] = (f"/work/{wo}/photos", {"caption": "x"})
    form[("POST", "/work/{work_order_id}/unschedule")] = (f"/work/{wo}/unschedule", {})
    form[("POST", "/dispatch/schedule")] = (
        "/dispatch/schedule",
        {"target": f"w:{wo}", "technician_id": w.tech.id, "day": "2026-12-02"},
    )
    form[("POST", "/dispatch/skills/{user_id}")] = (
        f"/dispatch/skills/{w.tech.id}",
        {"skills": "hydraulics"},
    )
    form[("POST", "/pm-plans")] = (
        "/pm-plans",
        {"name": "Yearly", "account_id": w.account_id, "asset_id": w.asset_id, "every": "12"},
    )
    form[("POST", "/pm-plans/run")] = ("/pm-plans/run", {})
    form[("POST", "/pm-plans/{plan_id}/active")] = (f"/pm-plans/{plan}/active", {"active": ""})
    out: dict[tuple[str, str], Any] = dict(api)
    out.update({k: ("POST", path, data, "form") for k, (path, data) in form.items()})
    out.update(partner_roles.write_routes(w))
    return out


def _write_routes(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every unsafe route, into included routers too."""
    out = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            out |= _write_routes(included.routes, prefix + route.include_context.prefix)
            continue
        for method in getattr(route, "methods", None) or ():
            if method in {"POST", "PUT", "PATCH", "DELETE"}:
                out.add((method, prefix + route.path))
    return out


def _portal_routes(
    w: World,
    api: dict[tuple[str, str], Request],
    form: dict[tuple[str, str], tuple[str, dict[str, Any]]],
    sheet_id: int,
    line_id: int,
) -> None:
    """The customer portal's write routes (servitize.portal), the customer's and the staff's."""
    sent = _quote(w, w.owner, "sent")
    dispute_req = _portal_dispute(w)
    dispute_id = _dispute(w)
    request_id = _service_request(w, w.account_id)
    customer = w.users["customer"]
    api[("POST", "/api/v1/portal/disputes")] = dispute_req
    api[("POST", "/api/v1/portal/quotes/{quote_id}/accept")] = (
        "POST",
        f"/api/v1/portal/quotes/{sent}/accept",
        {"name": "Ann"},
    )
    api[("POST", "/api/v1/portal/quotes/{quote_id}/changes")] = (
        "POST",
        f"/api/v1/portal/quotes/{sent}/changes",
        {"message": "Longer term please"},
    )
    api[("POST", "/api/v1/portal/sheets/{sheet_id}/sign")] = _portal_sign(sheet_id, line_id)
    api[("POST", "/api/v1/portal/requests")] = REQUESTS["portal.request"](w, customer, False)
    api[("POST", "/api/v1/portal-users")] = REQUESTS["portal.invite"](w, w.owner, True)
    api[("DELETE", "/api/v1/portal-users/{user_id}/accounts/{account_id}")] = (
        "DELETE",
        f"/api/v1/portal-users/{customer.id}/accounts/{w.account_id}",
        None,
    )
    api[("POST", "/api/v1/disputes/{dispute_id}/answer")] = (
        "POST",
        f"/api/v1/disputes/{dispute_id}/answer",
        {"upheld": False, "answer": "it counts"},
    )
    api[("POST", "/api/v1/service-requests/{request_id}/handle")] = (
        "POST",
        f"/api/v1/service-requests/{request_id}/handle",
        {"action": "close"},
    )
    change_id = _change_request(w, sent)
    api[("POST", "/api/v1/quote-change-requests/{request_id}/answer")] = (
        "POST",
        f"/api/v1/quote-change-requests/{change_id}/answer",
        {"action": "close", "answer": "The price stands."},
    )
    body = dispute_req[2] or {}
    form[("POST", "/portal/disputes")] = ("/portal/disputes", dict(body))
    form[("POST", "/portal/quotes/{quote_id}/accept")] = (
        f"/portal/quotes/{sent}/accept",
        {"name": "Ann Buyer", "agree": "yes"},
    )
    form[("POST", "/portal/quotes/{quote_id}/changes")] = (
        f"/portal/quotes/{sent}/changes",
        {"message": "Longer term please"},
    )
    form[("POST", "/portal/sheets/{sheet_id}/sign")] = (
        f"/portal/sheets/{sheet_id}/sign",
        {"line_ids": [str(line_id)], "signer_name": "Eva Buyer", "agree": "yes"},
    )
    form[("POST", "/portal/requests")] = (
        "/portal/requests",
        {"account_id": str(w.account_id), "text": "The press squeaks"},
    )
    form[("POST", "/accounts/{account_id}/portal/invite")] = (
        f"/accounts/{w.account_id}/portal/invite",
        {"email": "eva@acme.example"},
    )
    form[("POST", "/accounts/{account_id}/portal/users/{user_id}/revoke")] = (
        f"/accounts/{w.account_id}/portal/users/{customer.id}/revoke",
        {},
    )
    form[("POST", "/disputes/{dispute_id}/answer")] = (
        f"/disputes/{dispute_id}/answer",
        {"decision": "rejected", "answer": "it counts"},
    )
    form[("POST", "/service-requests/{request_id}/handle")] = (
        f"/service-requests/{request_id}/handle",
        {"action": "close"},
    )
    form[("POST", "/quotes/{quote_id}/change-requests/{request_id}/answer")] = (
        f"/quotes/{sent}/change-requests/{change_id}/answer",
        {"action": "close", "answer": "The price stands."},
    )


def test_every_write_route_is_listed(session, app_client) -> None:  # type: ignore[no-untyped-def]
    """A new write route must be added here (and so ask for an action) or this fails."""
    listed = set(_pages(build(session)))
    present = _write_routes(app_client.app.routes)
    assert present - listed - PUBLIC - SELF_SERVICE == set()
    assert listed - present == set()


def test_the_analyst_writes_nothing(session, app_client) -> None:  # type: ignore[no-untyped-def]
    """Every write route, page and API, refuses the analyst (403), and nothing changed."""
    from servitize.trust.models import AuditEntry

    w = build(session)
    token = issue_token(session, w.users["analyst"])
    requests = _pages(w)
    session.flush()
    audits = session.query(AuditEntry).count()
    answers = {}
    for key, req in requests.items():
        headers = {"Authorization": f"Bearer {token}"}
        if len(req) == 4:
            r = app_client.post(req[1], headers=headers, data=req[2], follow_redirects=False)
        else:
            r = app_client.request(req[0], req[1], headers=headers, json=req[2])
        answers[key] = r.status_code
    assert {k: v for k, v in answers.items() if v != 403} == {}
    assert session.query(AuditEntry).count() == audits


def test_the_lead_page_offers_actions_only_to_who_may_act(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    lead_id = w.lead(w.tech)
    form = f'action="/inbox/{lead_id}/action"'
    pages = {
        role: app_client.get(
            f"/inbox/{lead_id}",
            headers={"Authorization": f"Bearer {issue_token(session, w.users[role])}"},
        )
        for role in ("technician", "analyst")
    }
    assert pages["technician"].status_code == pages["analyst"].status_code == 200
    assert form in pages["technician"].text and form not in pages["analyst"].text


def test_sheet_and_visit_pages_offer_forms_only_to_who_may_use_them(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    sheet_id, _line = w.sheet(w.tech)
    visit_id = w.session.get(SignUpSheet, sheet_id).visit_id

    def page(role: str, path: str) -> str:
        r = app_client.get(
            path, headers={"Authorization": f"Bearer {issue_token(session, w.users[role])}"}
        )
        assert r.status_code == 200, (role, path, r.status_code)
        return r.text

    assert 'data-testid="sign"' in page("technician", f"/sheets/{sheet_id}")
    analyst_sheet = page("analyst", f"/sheets/{sheet_id}")
    assert (
        'data-testid="sign"' not in analyst_sheet
        and f"/sheets/{sheet_id}/cancel" not in analyst_sheet
    )
    analyst_visit = page("analyst", f"/visits/{visit_id}")
    assert (
        f"/visits/{visit_id}/sheets" not in analyst_visit
        and f"/visits/{visit_id}/feedback" not in analyst_visit
    )


def test_the_analyst_gets_no_edit_forms(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    for role, expected in (("analyst", 403), ("account_owner", 200)):
        auth = {"Authorization": f"Bearer {issue_token(session, w.users[role])}"}
        assert app_client.get(f"/assets/{w.asset_id}/fix", headers=auth).status_code == expected
        assert (
            app_client.get(f"/accounts/{w.account_id}/contacts/new", headers=auth).status_code
            == expected
        )


def test_the_visit_planning_form_is_for_planners(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = build(session)
    answers = {
        role: app_client.get(
            "/visits/new",
            headers={"Authorization": f"Bearer {issue_token(session, w.users[role])}"},
        ).status_code
        for role in ROLES
    }
    assert answers == {
        "admin": 200,
        "sales_manager": 403,
        "account_owner": 403,
        "technician": 200,
        "service_manager": 200,
        "analyst": 403,
        # Outside the company: refused (the staff pages are not theirs at all).
        "customer": answers["customer"] if answers["customer"] in REFUSED else 200,
        "partner": answers["partner"] if answers["partner"] in REFUSED else 200,
    }

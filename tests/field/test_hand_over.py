"""A new account owner: the account changes hands, open owner leads follow, nothing else moves."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from servitize.core.errors import InvalidInput, PermissionDenied
from servitize.field import service
from servitize.field.models import LeadRoute
from servitize.intelligence.models import Lead
from servitize.trust.models import AuditEntry
from tests import builders as b
from tests.field.conftest import token_for

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def _route(session, account, route: str, assigned_to: int, stage: str) -> LeadRoute:  # type: ignore[no-untyped-def]
    lead = Lead(
        account_id=account.id,
        offering_key="inspection",
        asset_ids=[],
        source="rule",
        rule="repeat_repairs",
        score=0.5,
        story="Three repairs.",
        evidence={},
        as_of=date(2026, 11, 23),
        expires_on=date(2027, 1, 23),
    )
    session.add(lead)
    session.flush()
    row = LeadRoute(
        lead_id=lead.id,
        account_id=account.id,
        route=route,
        reason="test",
        assigned_to_id=assigned_to,
        value_cents=100_00,
        currency="EUR",
        score=0.5,
        stage=stage,
        reported_at=NOW,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    old = b.user(session, role="account_owner")
    new = b.user(session, role="account_owner")
    tech = b.user(session, role="technician")
    manager = b.user(session, role="sales_manager")
    account = b.account(session, owner_id=old.id)
    session.flush()
    routes = {
        "owner_open": _route(session, account, "account_owner", old.id, "actioned"),
        "owner_won": _route(session, account, "account_owner", old.id, "won"),
        "technician_open": _route(session, account, "technician", tech.id, "reported"),
    }
    return old, new, tech, manager, account, routes


def test_open_owner_leads_follow_the_account_and_the_rest_stays(session, world) -> None:  # type: ignore[no-untyped-def]
    old, new, tech, manager, account, routes = world
    moved = service.hand_over_account(session, manager, account.id, new.id)
    assert moved == 1 and account.owner_id == new.id
    assert routes["owner_open"].assigned_to_id == new.id
    assert routes["owner_won"].assigned_to_id == old.id  # closed: history stays
    assert routes["technician_open"].assigned_to_id == tech.id  # the technician keeps theirs
    trail = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == manager.username).order_by(AuditEntry.id)
    ).all()
    assert [(t.action, t.entity) for t in trail] == [("update", "account"), ("reassign", "lead")]
    assert trail[0].before == {"owner_id": old.id} and trail[0].after == {"owner_id": new.id}
    assert service.hand_over_account(session, manager, account.id, new.id) == 0  # no change


def test_only_managers_hand_over_and_only_to_owners(session, world) -> None:  # type: ignore[no-untyped-def]
    old, new, tech, _manager, account, _routes = world
    admin = b.user(session, role="admin")
    session.flush()
    with pytest.raises(PermissionDenied):
        service.hand_over_account(session, old, account.id, new.id)
    with pytest.raises(InvalidInput, match="not an active account owner"):
        service.hand_over_account(session, admin, account.id, tech.id)
    assert account.owner_id == old.id


def test_api_and_the_360_form(session, api, world) -> None:  # type: ignore[no-untyped-def]
    old, new, _tech, manager, account, routes = world
    auth = token_for(session, manager.id)
    page = api.get(f"/accounts/{account.id}", headers=auth | {"Accept": "text/html"})
    assert 'data-testid="owner-form"' in page.text
    owner_page = api.get(
        f"/accounts/{account.id}", headers=token_for(session, old.id) | {"Accept": "text/html"}
    )
    assert 'data-testid="owner-form"' not in owner_page.text
    answer = api.put(
        f"/api/v1/accounts/{account.id}/owner", headers=auth, json={"owner_id": new.id}
    )
    assert answer.status_code == 200 and answer.json() == {
        "account_id": account.id,
        "owner_id": new.id,
        "leads_moved": 1,
    }
    session.refresh(routes["owner_open"])
    assert routes["owner_open"].assigned_to_id == new.id
    back = api.post(
        f"/accounts/{account.id}/owner",
        headers=auth | {"Accept": "text/html"},
        data={"owner_id": old.id},
        follow_redirects=False,
    )
    session.refresh(routes["owner_open"])
    assert back.status_code == 303 and routes["owner_open"].assigned_to_id == old.id
    refused = api.put(
        f"/api/v1/accounts/{account.id}/owner",
        headers=token_for(session, old.id),
        json={"owner_id": new.id},
    )
    assert refused.status_code == 403


def test_the_routing_batch_rehomes_leads_of_an_owner_an_import_replaced(session, world) -> None:  # type: ignore[no-untyped-def]
    old, new, tech, _manager, account, routes = world
    account.owner_id = new.id  # as an accounts import does: the record only
    session.flush()
    result = service.route_new_leads(session, service.Actor("batch"))
    assert result["rehomed"] == 1
    assert routes["owner_open"].assigned_to_id == new.id
    assert routes["owner_won"].assigned_to_id == old.id
    assert routes["technician_open"].assigned_to_id == tech.id
    assert service.route_new_leads(session, service.Actor("batch"))["rehomed"] == 0

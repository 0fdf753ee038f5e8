"""Creating an availability contract from the web: each wrong field named (422, nothing
written), a good one audited, page and API alike."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from servitize.contracts.models import AvailabilityContract
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    manager = b.user(session, role="service_manager")
    account = b.account(session, currency="CHF")
    b.asset(session, account, serial="PX-1")
    b.asset(session, account, serial="PX-2")
    session.flush()
    return manager, account


def _count(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(AvailabilityContract)) or 0


def _auth(session: Any, user: Any, html: bool = False) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {issue_token(session, user)}"}
    return headers | ({"Accept": "text/html"} if html else {})


GOOD = {"name": "Uptime 98", "target_pct": "98", "fee": "12000", "valid_from": "2026-01-01"}


def test_api_creates_a_contract_or_names_each_wrong_field(session, app_client, world) -> None:  # type: ignore[no-untyped-def]
    manager, account = world
    auth = _auth(session, manager)
    bad = app_client.post(
        "/api/v1/contracts",
        headers=auth,
        json=GOOD
        | {"account_id": account.id, "target_pct": 140, "fee": "lots", "valid_to": "2025-01-01"},
    )
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert "target_pct '140' is outside 0.01 to 100" in detail
    assert "fee 'lots' is not an amount" in detail
    assert "valid_to 2025-01-01 is not after valid_from 2026-01-01" in detail
    assert _count(session) == 0
    made = app_client.post(
        "/api/v1/contracts",
        headers=auth,
        json=GOOD | {"account_id": account.id, "serials": ["PX-2"]},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["serials"] == ["PX-2"] and body["external_id"].startswith(
        f"AV-{account.external_id}-"
    )
    contract = session.get(AvailabilityContract, body["id"])
    assert (contract.target_pct, contract.fee_cents, contract.currency) == (98.0, 1_200_000, "CHF")
    [entry] = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "availability_contract")
    ).all()
    assert entry.actor == manager.username and entry.after["fee_cents"] == 1_200_000
    unknown_serial = app_client.post(
        "/api/v1/contracts",
        headers=auth,
        json=GOOD | {"account_id": account.id, "serials": ["NOPE"]},
    )
    assert unknown_serial.status_code == 422 and "NOPE" in unknown_serial.json()["detail"]


def test_owners_and_analysts_do_not_create_contracts(session, app_client, world) -> None:  # type: ignore[no-untyped-def]
    _manager, account = world
    for role in ("analyst", "account_owner"):
        user = b.user(session, role=role)
        if role == "account_owner":
            account.owner_id = user.id
            session.flush()
        r = app_client.post(
            "/api/v1/contracts",
            headers=_auth(session, user),
            json=GOOD | {"account_id": account.id},
        )
        assert r.status_code == 403, (role, r.text)
    assert _count(session) == 0


def test_the_page_form(session, app_client, world) -> None:  # type: ignore[no-untyped-def]
    manager, account = world
    html = _auth(session, manager, html=True)
    empty = app_client.get("/contracts", headers=html).text
    assert 'href="/contracts/new"' in empty and "servitize contracts create" not in empty
    form = app_client.get(f"/contracts/new?account_id={account.id}", headers=html)
    assert form.status_code == 200
    bad = app_client.post(
        "/contracts/new", headers=html, data=GOOD | {"account_id": account.id, "currency": "CHX"}
    )
    assert bad.status_code == 422 and 'data-testid="error-currency"' in bad.text
    assert _count(session) == 0
    saved = app_client.post(
        "/contracts/new",
        headers=html,
        data=GOOD | {"account_id": account.id},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("/report")
    assert _count(session) == 1

"""Fixing a machine's record by hand: rules, access, audit, data health, API and page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from servitize.core.errors import InvalidInput, NotFound, PermissionDenied
from servitize.installed_base import fixes, service
from servitize.trust.context import context_of
from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b

TODAY = date(2026, 11, 23)


@pytest.fixture
def machine(session):  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    site = b.site(session, account)
    asset = b.asset(session, account, serial=None, install_date=None, site_id=None)
    session.flush()
    return owner, account, site, asset


def _issues(session, owner, account) -> dict[str, int]:  # type: ignore[no-untyped-def]
    health = service.account_360(context_of(session, owner, today=TODAY), account.id).data_health
    return {i.check: i.count for i in health.issues}


def test_a_fix_lands_is_audited_and_clears_what_data_health_asked(session, machine) -> None:  # type: ignore[no-untyped-def]
    owner, account, site, asset = machine
    assert {"missing_serial", "missing_install_date", "missing_site"} <= set(
        _issues(session, owner, account)
    )
    fix = fixes.parse_fix(
        {
            "serial": " SN-4711 ",
            "install_date": "2019-05-02",
            "site_id": str(site.id),
            "model": "PX-200",
        }
    )
    fixes.fix_asset(session, owner, asset.id, fix, today=TODAY)
    assert (asset.serial, asset.install_date, asset.site_id) == (
        "SN-4711",
        date(2019, 5, 2),
        site.id,
    )
    left = _issues(session, owner, account)
    assert not {"missing_serial", "missing_install_date", "missing_site"} & set(left)
    [entry] = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "asset", AuditEntry.entity_id == str(asset.id)
        )
    ).all()
    # the model was sent unchanged: only what changed is in the trail
    assert entry.before == {"serial": None, "install_date": None, "site_id": None}
    assert entry.after == {"serial": "SN-4711", "install_date": "2019-05-02", "site_id": site.id}
    assert entry.actor == owner.username and entry.note == "fixed by hand"


def test_every_reason_is_named_and_nothing_changes(session, machine) -> None:  # type: ignore[no-untyped-def]
    owner, _account, _site, asset = machine
    other_site = b.site(session, b.account(session))
    session.flush()
    fix = fixes.parse_fix(
        {
            "install_date": "2030-01-01",
            "origin": "competitor",
            "site_id": str(other_site.id),
            "serial": "NEW",
        }
    )
    with pytest.raises(InvalidInput) as refused:
        fixes.fix_asset(session, owner, asset.id, fix, today=TODAY)
    assert refused.value.message == (
        "install_date 2030-01-01 is in the future; competitor is required when origin is "
        f"competitor; site {other_site.id} is not a site of this machine's account"
    )
    assert asset.serial is None and asset.origin == "own"
    with pytest.raises(InvalidInput, match="coverage: Input should be"):
        fixes.parse_fix({"coverage": "gold"})
    with pytest.raises(InvalidInput, match="serial: String should have at most 80 characters"):
        fixes.parse_fix({"serial": "x" * 81})
    with pytest.raises(InvalidInput, match="account_id: Extra inputs are not permitted"):
        fixes.parse_fix({"account_id": "7"})


def test_only_people_who_see_the_account_fix_and_analysts_only_read(session, machine) -> None:  # type: ignore[no-untyped-def]
    _owner, _account, _site, asset = machine
    stranger = b.user(session, role="account_owner")
    analyst = b.user(session, role="analyst")
    session.flush()
    fix = fixes.parse_fix({"serial": "X"})
    with pytest.raises(NotFound):
        fixes.fix_asset(session, stranger, asset.id, fix, today=TODAY)
    with pytest.raises(PermissionDenied):
        fixes.fix_asset(session, analyst, asset.id, fix, today=TODAY)


def test_api_patch_and_page_form(session, app_client, machine) -> None:  # type: ignore[no-untyped-def]
    owner, _account, _site, asset = machine
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    url = f"/api/v1/assets/{asset.id}"
    ok = app_client.patch(
        url,
        headers=auth,
        json={"serial": "SN-1", "coverage": "maintenance", "contract_end": "2027-06-30"},
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["serial"], ok.json()["coverage_status"]) == ("SN-1", "under_contract")
    bad = app_client.patch(url, headers=auth, json={"install_date": "soon"})
    assert bad.status_code == 422 and "install_date" in bad.json()["detail"]
    stranger = b.user(session, role="account_owner")
    session.flush()
    foreign = {"Authorization": f"Bearer {issue_token(session, stranger)}"}
    assert app_client.patch(url, headers=foreign, json={"serial": "x"}).status_code == 404

    page = f"/assets/{asset.id}/fix"
    html = auth | {"Accept": "text/html"}
    form = app_client.get(page, headers=html)
    assert form.status_code == 200 and 'value="SN-1"' in form.text
    saved = app_client.post(
        page,
        headers=html,
        follow_redirects=False,
        data={
            "serial": "SN-2",
            "origin": "own",
            "connectivity": "current",
            "coverage": "maintenance",
            "contract_end": "2027-06-30",
            "install_date": "",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/assets/{asset.id}"
    assert app_client.get(url, headers=auth).json()["connectivity"] == "current"
    again = app_client.post(page, headers=html, data={"origin": "competitor", "serial": "SN-3"})
    assert again.status_code == 422 and "competitor is required" in again.text
    assert 'value="SN-3"' in again.text  # what was typed is kept
    assert app_client.get(url, headers=auth).json()["serial"] == "SN-2"

"""The accepted years of a date: one check for imports, forms, API bodies and telemetry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from servitize.core.dates import check_date_in_range
from servitize.field.schemas import VisitCreate
from servitize.installed_base import fixes
from servitize.sales.schemas import ActivityIn, OpportunityCreate, OpportunityUpdate, TeamMemberIn
from servitize.trust.service import issue_token
from tests import builders as b

OUTSIDE = "outside the accepted years 1900 to 2100"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (date(1, 1, 1), f"0001-01-01 is {OUTSIDE}"),
        (date(1899, 12, 31), f"1899-12-31 is {OUTSIDE}"),
        (date(1900, 1, 1), None),
        (date(2100, 12, 31), None),
        (date(2101, 1, 1), f"2101-01-01 is {OUTSIDE}"),
        (date(9999, 12, 31), f"9999-12-31 is {OUTSIDE}"),
        (datetime(2026, 5, 1, 10, tzinfo=UTC), None),
        (datetime(1, 1, 1, tzinfo=UTC), f"0001-01-01T00:00:00+00:00 is {OUTSIDE}"),
    ],
)
def test_check_date_in_range(value: date, reason: str | None) -> None:
    assert check_date_in_range(value, (1900, 2100)) == reason


def test_the_years_can_be_given() -> None:
    assert check_date_in_range(date(1960, 1, 1), (1970, 2030)) == (
        "1960-01-01 is outside the accepted years 1970 to 2030"
    )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_input_models_refuse_dates_outside_the_years(day: str) -> None:
    cases = [
        (OpportunityCreate, {"account_id": 1, "title": "x", "expected_close": day}),
        (OpportunityUpdate, {"renewal_on": day}),
        (
            ActivityIn,
            {"phase": 1, "title": "x", "actor": "sales", "layer": "onstage", "due_on": day},
        ),
        (TeamMemberIn, {"role": "sales", "name": "x", "engaged_on": day}),
        (VisitCreate, {"account_id": 1, "day": day}),
        (fixes.AssetFix, {"warranty_end": day}),
    ]
    for model, data in cases:
        with pytest.raises(ValidationError, match="outside the accepted years"):
            model.model_validate(data)


def test_a_date_time_with_a_time_of_day_is_no_date() -> None:
    with pytest.raises(ValidationError):
        OpportunityUpdate.model_validate({"renewal_on": "2020-08-08T10:00:00"})
    assert OpportunityUpdate.model_validate({"renewal_on": "2020-08-08"}).renewal_on == date(
        2020, 8, 8
    )


def test_the_asset_api_answers_422_with_the_reason(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    session.flush()
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    bad = app_client.patch(
        f"/api/v1/assets/{asset.id}", headers=auth, json={"install_date": "0001-01-01"}
    )
    assert bad.status_code == 422, bad.text
    assert "install_date" in str(bad.json()["detail"]) and OUTSIDE in str(bad.json()["detail"])
    ok = app_client.patch(
        f"/api/v1/assets/{asset.id}", headers=auth, json={"install_date": "2001-02-03"}
    )
    assert ok.status_code == 200, ok.text


# Values an import stored before it checked dates; PostgreSQL holds BC dates and five-digit
# years as dates, SQLite as text.
STORED = {
    "sqlite": ["-2020-01-01", "0000-01-01", "20201-01-01"],
    "postgresql": ["2021-01-01 BC", "0001-01-01 BC", "20201-01-01"],
}


@pytest.mark.parametrize("which", [0, 1, 2])
def test_readers_survive_a_bad_date_already_stored(session, which: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from servitize.installed_base import service as installed_base
    from servitize.installed_base.models import Asset
    from servitize.intelligence import service as intelligence
    from servitize.trust.context import context_of

    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    order = b.order(session, account, b.offering(session))
    event = b.service_event(session, asset)
    session.flush()
    dialect = session.bind.dialect.name
    bad = STORED[dialect][which]
    cast = "::date" if dialect == "postgresql" else ""
    for table, column, row_id in [
        ("asset", "install_date", asset.id),
        ("asset", "warranty_end", asset.id),
        ('"order"', "day", order.id),
        ("service_event", "day", event.id),
    ]:
        session.execute(
            text(f"UPDATE {table} SET {column} = '{bad}'{cast} WHERE id = :i"), {"i": row_id}
        )
    session.expire_all()

    expected = date.max if which == 2 else date.min  # the nearest date Python can hold
    assert session.get(Asset, asset.id).install_date == expected
    today = date(2026, 11, 1)
    view = installed_base.account_360(context_of(session, owner, today=today), account.id)
    assert view.account.id == account.id
    intelligence.run_segments(session, today)
    intelligence.generate_leads(session, today, use_model=False)
    # the analytics batch reads the records as plain rows: the same nearest date as the ORM
    from servitize.intelligence.records import load_records

    records = load_records(session, "EUR", [], today)
    mine = records.assets.filter(pc.equal(records.assets["asset_id"], asset.id))
    assert mine["install_date"].to_pylist() == [expected]
    assert mine["warranty_end"].to_pylist() == [expected]
    days = records.events.filter(pc.equal(records.events["asset_id"], asset.id))["day"]
    assert days.to_pylist() == [expected]


def test_an_agreement_body_refuses_a_year_outside_the_range(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    session.flush()
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    body = {
        "account_id": account.id,
        "data_kinds": ["status"],
        "purposes": ["contract_verification"],
    }
    for moment in ("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"):
        bad = app_client.post(
            "/api/v1/consent/agreements", headers=auth, json=body | {"valid_from": moment}
        )
        assert bad.status_code == 422, bad.text
        assert "outside the accepted years" in str(bad.json()["detail"])
    ok = app_client.post(
        "/api/v1/consent/agreements",
        headers=auth,
        json=body | {"valid_from": "2026-01-01T00:00:00Z"},
    )
    assert ok.status_code == 201, ok.text


def test_the_asset_form_shows_the_reason(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    session.flush()
    html = {"Authorization": f"Bearer {issue_token(session, owner)}", "Accept": "text/html"}
    page = app_client.post(
        f"/assets/{asset.id}/fix",
        headers=html,
        follow_redirects=False,
        data={"warranty_end": "0001-01-01"},
    )
    assert page.status_code == 422
    assert "outside the accepted years 1900 to 2100" in page.text

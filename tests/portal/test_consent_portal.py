"""The customer's consent self-service through the real routes: the portal page and its forms,
the API under /api/v1/portal/consent, the record as CSV and PDF (the same facts), another
account's agreement answering 404, bad input answering 4xx with the field's name; and the staff
side: the 360's panel with the history, narrowing and revoking from the web, /consent with its
filters and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from servitize.installed_base.models import CustomerAccount
from servitize.telemetry import consent, consent_usage
from servitize.telemetry.consent_rules import PURPOSE_TEXT, month_of, previous_month
from servitize.trust.audit import Actor
from servitize.trust.service import issue_token
from tests import builders as b
from tests.intelligence.test_usage import busy  # noqa: F401 (fixture)

START = datetime(2026, 1, 1, tzinfo=UTC)


def _auth(session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _world(session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    mine = b.account(session, name="Bakery North", owner_id=owner.id)
    theirs = b.account(session, name="Bakery South", owner_id=owner.id)
    customer = b.user(session, role="customer")
    session.add(CustomerAccount(user_id=customer.id, account_id=mine.id))
    agreement = consent.record_agreement(
        session,
        Actor(owner.username, owner.id),
        mine.id,
        ["status", "usage"],
        ["contract_verification", "service_offers"],
        START,
    )
    other = consent.record_agreement(
        session, Actor("staff"), theirs.id, ["status"], ["billing"], START
    )
    last = previous_month(month_of(datetime.now(UTC)))
    consent_usage.record_use(
        session,
        "contract_verification",
        "availability_evaluation",
        [mine.id],
        datetime(int(last[:4]), int(last[5:]), 15, tzinfo=UTC),
    )
    session.flush()
    return {
        "owner": owner,
        "customer": customer,
        "mine": mine,
        "theirs": theirs,
        "agreement": agreement,
        "other": other,
        "last": last,
    }


def test_the_customer_narrows_on_the_portal_and_staff_see_it_with_its_history(
    session,
    app_client,  # type: ignore[no-untyped-def]
) -> None:
    w = _world(session)
    me = _auth(session, w["customer"])
    page = app_client.get("/portal/consent", headers=me)
    assert page.status_code == 200, page.text
    assert "Bakery North" in page.text and "Bakery South" not in page.text
    # Each purpose in plain words, and last month's use.
    words = PURPOSE_TEXT["contract_verification"].split(": ", 1)[1]
    assert words.startswith("we compute your machines")
    assert words.replace("'", "&#39;") in page.text
    assert "Availability evaluation" in page.text and w["last"] in page.text
    a = w["agreement"].id
    r = app_client.post(
        f"/portal/consent/{a}/change",
        headers=me,
        data={"data_kinds": ["status", "usage"], "purposes": ["contract_verification"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/portal/consent?done=narrow"
    session.refresh(w["agreement"])
    assert w["agreement"].purposes == ["contract_verification"]
    # The staff's panel on the 360 shows the state and who narrowed it.
    panel = app_client.get(
        f"/accounts/{w['mine'].id}/consent-panel", headers=_auth(session, w["owner"])
    )
    assert panel.status_code == 200
    assert "narrowed" in panel.text
    assert f"by {w['customer'].username}" in panel.text and "(customer)" in panel.text
    assert f"/accounts/{w['mine'].id}/consent#record" in panel.text  # the form, not the CLI


def test_another_accounts_agreement_is_404_and_staff_get_403(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    me = _auth(session, w["customer"])
    other = w["other"].id
    body = {"data_kinds": ["status"], "purposes": ["billing"]}
    assert app_client.post(f"/portal/consent/{other}/revoke", headers=me).status_code == 404
    r = app_client.post(f"/api/v1/portal/consent/agreements/{other}/change", headers=me, json=body)
    assert r.status_code == 404
    r = app_client.post(
        "/api/v1/portal/consent/agreements",
        headers=me,
        json=body | {"account_id": w["theirs"].id},
    )
    assert r.status_code == 404
    r = app_client.get(f"/api/v1/portal/consent/record.csv?account_id={w['theirs'].id}", headers=me)
    assert r.status_code == 404
    assert session.get(type(w["other"]), other).revoked_at is None
    staff = _auth(session, w["owner"])
    assert app_client.get("/api/v1/portal/consent", headers=staff).status_code == 403
    r = app_client.post(
        f"/api/v1/portal/consent/agreements/{w['agreement'].id}/revoke", headers=staff
    )
    assert r.status_code == 403


def test_bad_input_names_the_field(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    me = _auth(session, w["customer"])
    a = w["agreement"].id
    url = f"/api/v1/portal/consent/agreements/{a}/change"
    r = app_client.post(url, headers=me, json={"data_kinds": ["gossip"], "purposes": ["billing"]})
    assert r.status_code == 422 and "data_kinds" in r.text
    r = app_client.post(url, headers=me, json={"data_kinds": ["status"], "purposes": ["resale"]})
    assert r.status_code == 422 and "purposes" in r.text
    # Sharing more purposes is a new agreement, never a change of this one.
    wider = {"data_kinds": ["status"], "purposes": ["contract_verification", "billing"]}
    r = app_client.post(url, headers=me, json=wider)
    assert r.status_code == 422 and r.json()["detail"].startswith("purposes: sharing more")
    past = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    r = app_client.post(
        url,
        headers=me,
        json={
            "data_kinds": ["status"],
            "purposes": ["contract_verification"],
            "valid_to": past + "T00:00:00Z",
        },
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("valid_to")
    # The form says the same on the page (422), and nothing changed.
    page = app_client.post(
        f"/portal/consent/{a}/change",
        headers=me,
        data={"data_kinds": ["status"], "purposes": ["contract_verification"], "valid_to": past},
    )
    assert page.status_code == 422 and "valid_to" in page.text
    page = app_client.post(
        "/portal/consent/grant",
        headers=me,
        data={"account_id": w["mine"].id, "data_kinds": ["status"], "purposes": []},
    )
    assert page.status_code == 422 and "purposes: choose" in page.text
    session.refresh(w["agreement"])
    assert w["agreement"].purposes == ["contract_verification", "service_offers"]


def test_grant_revoke_and_the_record_in_csv_and_pdf(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    me = _auth(session, w["customer"])
    r = app_client.post(
        "/api/v1/portal/consent/agreements",
        headers=me,
        json={"account_id": w["mine"].id, "data_kinds": ["energy"], "purposes": ["billing"]},
    )
    assert r.status_code == 201 and r.json()["state"] == "active"
    new = r.json()["id"]
    r = app_client.post(f"/api/v1/portal/consent/agreements/{new}/revoke", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    r = app_client.post(f"/api/v1/portal/consent/agreements/{new}/revoke", headers=me)
    assert r.status_code == 409
    data = app_client.get("/api/v1/portal/consent", headers=me).json()
    [account] = data["accounts"]
    assert account["account_id"] == w["mine"].id
    states = {a["id"]: a["state"] for a in account["agreements"]}
    assert states == {w["agreement"].id: "active", new: "revoked"}
    assert [(h["change"], h["by"]) for h in account["history"]][:2] == [
        ("revoke", "customer"),
        ("grant", "customer"),
    ]
    assert [(u["computation"], u["month"], u["runs"]) for u in account["uses"]] == [
        ("availability_evaluation", w["last"], 1)
    ]
    # The CSV holds the same agreements, changes and uses.
    text = app_client.get(
        f"/api/v1/portal/consent/record.csv?account_id={w['mine'].id}", headers=me
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["agreement"], r["what"]) for r in rows if r["section"] == "agreement"} == {
        (str(w["agreement"].id), "active"),
        (str(new), "revoked"),
    }
    changes = [(r["agreement"], r["what"]) for r in rows if r["section"] == "change"]
    assert changes[:2] == [(str(new), "revoke"), (str(new), "grant")]
    assert [r["when"] for r in rows if r["section"] == "use"] == [w["last"]]
    page_csv = app_client.get(f"/portal/consent/record.csv?account_id={w['mine'].id}", headers=me)
    assert page_csv.text == text
    pdf = app_client.get(f"/portal/consent/record.pdf?account_id={w['mine'].id}", headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_staff_narrow_and_revoke_from_the_web_and_list_on_consent(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    staff = _auth(session, w["owner"])
    base = f"/accounts/{w['mine'].id}/consent/{w['agreement'].id}"
    r = app_client.post(
        base + "/change",
        headers=staff,
        data={"data_kinds": ["status"], "purposes": ["contract_verification", "service_offers"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=narrow")
    r = app_client.post(
        base + "/change",
        headers=staff,
        data={"data_kinds": ["status", "energy"], "purposes": ["contract_verification"]},
    )
    assert r.status_code == 422 and "data_kinds: sharing more" in r.text
    # The agreement of another account through this account's path: 404.
    r = app_client.post(f"/accounts/{w['mine'].id}/consent/{w['other'].id}/revoke", headers=staff)
    assert r.status_code == 404
    listed = app_client.get("/consent?state=narrowed", headers=staff)
    assert listed.status_code == 200
    assert "Bakery North" in listed.text and "Bakery South" not in listed.text
    r = app_client.post(base + "/revoke", headers=staff, follow_redirects=False)
    assert r.status_code == 303
    rows = list(
        csv.DictReader(
            io.StringIO(app_client.get("/consent.csv?state=revoked", headers=staff).text)
        )
    )
    assert [(r["account"], r["state"]) for r in rows] == [("Bakery North", "revoked")]
    api = app_client.get(
        "/api/v1/consent/agreements?state=active&purpose=billing", headers=staff
    ).json()
    assert [(a["account_name"], a["data_kinds"]) for a in api["agreements"]] == [
        ("Bakery South", ["status"])
    ]
    assert app_client.get("/api/v1/consent/agreements?state=gone", headers=staff).status_code == 422
    history = app_client.get(f"/api/v1/accounts/{w['mine'].id}/consent", headers=staff).json()
    assert [h["change"] for h in history["history"]] == ["revoke", "narrow", "grant"]


def test_the_issues_flow_through_the_portal(session, app_client, busy) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Narrowed to contract verification on the portal: the next leads run reads none of the
    account's usage, the next evaluation still measures; revoked on the portal: the next
    evaluation is not measurable, no money moves."""
    from servitize.contracts import service as contracts
    from servitize.intelligence.models import Lead
    from servitize.intelligence.service import generate_leads
    from servitize.intelligence.usage import consented_usage
    from servitize.telemetry.availability import month_period
    from tests.intelligence.test_usage import AS_OF

    acc, _oven, store = busy
    customer = b.user(session, role="customer")
    session.add(CustomerAccount(user_id=customer.id, account_id=acc.id))
    agreement = consent.record_agreement(
        session,
        Actor("staff"),
        acc.id,
        ["status", "usage", "energy"],
        ["contract_verification", "service_offers"],
        START,
    )
    contract = contracts.create_contract(
        session,
        Actor("staff"),
        external_id=f"AV-P{acc.id}",
        account_id=acc.id,
        name="Availability",
        target_pct=90.0,
        fee_cents=1_000_00,
        valid_from=START,
        min_coverage_pct=50.0,
    )
    session.flush()
    assert consented_usage(session, AS_OF, store=store).num_rows == 1
    me = _auth(session, customer)
    r = app_client.post(
        f"/api/v1/portal/consent/agreements/{agreement.id}/change",
        headers=me,
        json={"data_kinds": ["status", "usage", "energy"], "purposes": ["contract_verification"]},
    )
    assert r.status_code == 200 and r.json()["change"] == "narrow"
    session.expire_all()  # the request changed the agreement in its own session
    generate_leads(session, AS_OF, use_model=False)
    assert (
        session.query(Lead)
        .filter(Lead.account_id == acc.id, Lead.rule == "high_utilisation_no_contract")
        .count()
        == 0
    )
    assert consented_usage(session, AS_OF, store=store).num_rows == 0
    november = month_period("2026-11")
    measured = contracts.evaluate(session, store, contract, november)
    assert measured.band != "not_measurable" and measured.measured_pct is not None
    r = app_client.post(
        f"/portal/consent/{agreement.id}/revoke", headers=me, follow_redirects=False
    )
    assert r.status_code == 303
    session.expire_all()
    revoked = contracts.evaluate(session, store, contract, november)
    assert (revoked.band, revoked.measured_pct, float(revoked.amount)) == (
        "not_measurable",
        None,
        0.0,
    )


def test_the_analyst_reads_the_panel_without_forms(session, app_client) -> None:  # type: ignore[no-untyped-def]
    w = _world(session)
    analyst = b.user(session, role="analyst")
    panel = app_client.get(
        f"/accounts/{w['mine'].id}/consent-panel", headers=_auth(session, analyst)
    )
    assert panel.status_code == 200 and 'data-testid="consent-history"' in panel.text
    assert "/change" not in panel.text and "/revoke" not in panel.text
    assert "#record" not in panel.text
    owner = app_client.get(
        f"/accounts/{w['mine'].id}/consent-panel", headers=_auth(session, w["owner"])
    )
    assert (
        f"{w['agreement'].id}/change" in owner.text and f"{w['agreement'].id}/revoke" in owner.text
    )

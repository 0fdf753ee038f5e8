"""The portal through its API and pages: invitations, scope, disputes to the money, quotes,
sheets, service requests, and customer documents without internal words."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from servitize.core.errors import NotFound
from servitize.core.settings import Settings
from servitize.field.models import SignUpLine, SignUpSheet
from servitize.installed_base.models import Order
from servitize.offers.models import Contract
from servitize.portal import invitations as inv
from servitize.portal.models import ServiceRequest
from servitize.telemetry.models import DowntimePeriod
from servitize.trust.context import context_of
from servitize.trust.models import AuditEntry, User
from servitize.trust.service import issue_token
from tests import builders as b
from tests.contracts import report_world
from tests.portal import helpers

PASSWORD = "a long portal secret 7"


def auth(session: Any, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def pdf_text(pdf: bytes) -> bytes:
    """The PDF with its deflated streams inflated."""
    out = [pdf]
    for match in re.finditer(rb">>\s*stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(out)


# ------------------------------------------------------------------------- invitations


def test_invitation_round_trip_sets_a_password_logs_in_and_works_once(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Acme Press", owner_id=owner.id)
    b.asset(session, account, serial="SN-ACME-1")
    r = app_client.post(
        "/api/v1/portal-users",
        headers=auth(session, owner),
        json={"account_id": account.id, "email": "Eva@Acme.example", "full_name": "Eva Buyer"},
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["mailed"] is False and out["link"].startswith("http://127.0.0.1:8000/portal/join/")
    path = out["link"].removeprefix("http://127.0.0.1:8000")
    # the default expiry: 7 days
    expires = datetime.fromisoformat(out["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)

    form = app_client.get(path)
    assert form.status_code == 200 and "eva@acme.example" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    short = app_client.post(path, data={"password": "short", "again": "short", "csrf_token": token})
    assert short.status_code == 422 and "needs at least 12 characters" in short.text
    form = app_client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    done = app_client.post(
        path,
        data={"password": PASSWORD, "again": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal"
    home = app_client.get("/portal")
    assert home.status_code == 200 and "SN-ACME-1" in home.text and "Eva Buyer" in home.text
    user = session.scalar(select(User).where(User.username == "eva@acme.example"))
    assert user.role == "customer"
    # used once: the link no longer opens
    app_client.cookies.clear()
    assert app_client.get(path).status_code == 404
    actions = set(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "portal_invitation"))
    )
    assert actions == {"invite", "join"}


def test_an_invitation_expires_and_a_forged_one_is_refused(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    settings = Settings(secret_key="x" * 40)
    ctx = context_of(session, owner, settings)
    done = inv.invite(ctx, account.id, "kim@acme.example")
    token = done.link.rsplit("/", 1)[1]  # type: ignore[union-attr]
    assert inv.invitation_of(session, settings, token, ctx.now).email == "kim@acme.example"
    with pytest.raises(NotFound, match="expired"):
        inv.invitation_of(session, settings, token, ctx.now + timedelta(days=7, seconds=1))
    with pytest.raises(NotFound, match="not valid"):
        inv.invitation_of(session, settings, token[:-2] + "xx", ctx.now)
    other = Settings(secret_key="y" * 40)  # another install's secret signs nothing here
    with pytest.raises(NotFound, match="not valid"):
        inv.invitation_of(session, other, token, ctx.now)


def test_an_invitation_is_mailed_when_a_mail_server_is_set(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            sent.append((host, port))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def ehlo(self) -> None:
            return None

        def has_extn(self, name: str) -> bool:
            return False

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user, password))

        def send_message(self, message: Any) -> None:
            sent.append(message)

    monkeypatch.setattr("servitize.portal.mail.smtplib.SMTP", FakeSMTP)
    owner = b.user(session, role="account_owner")
    account = b.account(session, name="Nordwerk", owner_id=owner.id)
    settings = Settings(
        portal={
            "mail_url": "smtp://bot:p%40ss@mail.example:2525",
            "public_url": "https://x.example",
        }
    )
    done = inv.invite(context_of(session, owner, settings), account.id, "ola@nordwerk.example")
    assert done.mailed is True
    assert sent[0] == ("mail.example", 2525) and sent[1] == ("login", "bot", "p@ss")
    message = sent[2]
    assert message["To"] == "ola@nordwerk.example" and "Nordwerk" in message["Subject"]
    assert done.link in message.get_content() and done.link.startswith(
        "https://x.example/portal/join/"
    )


def test_revoking_access_hides_the_account(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    b.asset(session, account, serial="SN-REV-1")
    customer = helpers.customer_of(session, account)
    headers = auth(session, customer)
    assert [
        m["serial"] for m in app_client.get("/api/v1/portal/machines", headers=headers).json()
    ] == ["SN-REV-1"]
    other = b.user(session, role="account_owner")
    r = app_client.delete(
        f"/api/v1/portal-users/{customer.id}/accounts/{account.id}", headers=auth(session, other)
    )
    assert r.status_code == 404  # not their account
    r = app_client.delete(
        f"/api/v1/portal-users/{customer.id}/accounts/{account.id}", headers=auth(session, owner)
    )
    assert r.status_code == 204
    assert app_client.get("/api/v1/portal/machines", headers=headers).json() == []
    assert (
        session.scalar(select(AuditEntry).where(AuditEntry.action == "revoke_portal")) is not None
    )


# ------------------------------------------------------------------------------- scope


def test_a_customer_of_account_a_gets_404_for_account_b_on_pages_and_api(
    session, app_client
) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    tech = b.user(session, role="technician")
    a = b.account(session, name="Alpha", owner_id=owner.id)
    bb = b.account(session, name="Beta", owner_id=owner.id)
    mine, theirs = helpers.contracted(session, a), helpers.contracted(session, bb)
    qa, qb = helpers.quote(session, a, owner), helpers.quote(session, bb, owner)
    sheets = {}
    for acc in (a, bb):
        visit = b.visit(session, tech, acc)
        sheet = SignUpSheet(
            visit_id=visit.id, account_id=acc.id, technician_id=tech.id, status="proposed"
        )
        session.add(sheet)
        session.flush()
        sheets[acc.id] = sheet.id
    customer = helpers.customer_of(session, a)
    headers = auth(session, customer)
    machines = app_client.get("/api/v1/portal/machines", headers=headers).json()
    assert {m["serial"] for m in machines} == {mine.asset.serial}
    assert (
        app_client.get(f"/api/v1/portal/machines?account_id={bb.id}", headers=headers).status_code
        == 404
    )
    for path, ok in (
        (
            "/api/v1/portal/contracts/{}/report?period=2026-10",
            (mine.contract.id, theirs.contract.id),
        ),
        ("/portal/contracts/{}/report?period=2026-10", (mine.contract.id, theirs.contract.id)),
        ("/portal/contracts/{}/report.pdf?period=2026-10", (mine.contract.id, theirs.contract.id)),
        (
            "/portal/contracts/{}/report.csv?from=2026-10&to=2026-10",
            (mine.contract.id, theirs.contract.id),
        ),
        ("/api/v1/portal/quotes/{}", (qa.id, qb.id)),
        ("/portal/quotes/{}", (qa.id, qb.id)),
        ("/portal/quotes/{}.pdf", (qa.id, qb.id)),
        ("/api/v1/portal/sheets/{}", (sheets[a.id], sheets[bb.id])),
        ("/portal/sheets/{}", (sheets[a.id], sheets[bb.id])),
    ):
        assert app_client.get(path.format(ok[0]), headers=headers).status_code == 200, path
        assert app_client.get(path.format(ok[1]), headers=headers).status_code == 404, path
    # staff do not read the portal's pages (they have their own)
    assert app_client.get("/portal", headers=auth(session, owner)).status_code == 404
    assert app_client.get("/api/v1/portal/quotes", headers=auth(session, owner)).status_code == 404


# ---------------------------------------------------------------------------- disputes


def test_a_dispute_upheld_reclassifies_the_period_and_moves_the_money(
    session, data_app_client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """report_world's October: down 24 h, planned 4 h, excluded 2 h: 714 / 738 = 96.7480 %,
    1.252 points under 98 %: 2 steps of 2 % of 10,000 EUR = −400 EUR. The customer says the
    24-hour stop was the grid's (excluded); upheld: 714 / 714 = 100 %, 2 points over target,
    4 steps of 1 % capped at 3 %: +300 EUR."""
    w = report_world.build(session, tmp_path)
    customer = helpers.customer_of(session, w.account)
    manager = b.user(session, role="service_manager")
    headers = auth(session, customer)
    report = data_app_client.get(
        f"/api/v1/portal/contracts/{w.contract.id}/report?period=2026-10", headers=headers
    ).json()
    assert report["result"]["amount"] == "-400.00"
    stop = next(s for s in report["downtime"] if s["state"] == "down")
    assert (stop["start"], stop["end"]) == ("2026-10-05T00:00:00Z", "2026-10-06T00:00:00Z")
    body = {
        "contract_id": w.contract.id,
        "month": "2026-10",
        "serial": stop["serial"],
        "start": stop["start"],
        "asked_state": "excluded",
        "reason": "the public grid failed that day",
    }
    opened = data_app_client.post("/api/v1/portal/disputes", headers=headers, json=body)
    assert opened.status_code == 201, opened.text
    d = opened.json()
    assert (d["status"], d["amount_before"], d["amount_after"]) == ("open", "-400.00", None)
    again = data_app_client.post("/api/v1/portal/disputes", headers=headers, json=body)
    assert again.status_code == 409
    # the customer may not answer; the service manager sees it open and upholds it
    staff = auth(session, manager)
    assert (
        data_app_client.post(
            f"/api/v1/disputes/{d['id']}/answer",
            headers=headers,
            json={"upheld": True, "answer": "ok then"},
        ).status_code
        == 404
    )
    listed = data_app_client.get("/api/v1/disputes?status=open", headers=staff).json()
    assert [x["id"] for x in listed] == [d["id"]]
    answered = data_app_client.post(
        f"/api/v1/disputes/{d['id']}/answer",
        headers=staff,
        json={"upheld": True, "answer": "Confirmed by the utility's outage report."},
    ).json()
    assert (answered["status"], answered["amount_before"], answered["amount_after"]) == (
        "upheld",
        "-400.00",
        "300.00",
    )
    # every later read: the staff's report and the customer's
    for path, who in (
        (f"/api/v1/contracts/{w.contract.id}/report?period=2026-10", auth(session, w.owner)),
        (f"/api/v1/portal/contracts/{w.contract.id}/report?period=2026-10", headers),
    ):
        again = data_app_client.get(path, headers=who).json()
        assert (
            again["result"]["amount"] == "300.00" and again["result"]["availability_pct"] == 100.0
        )
    record = session.scalar(
        select(DowntimePeriod).where(DowntimePeriod.cause == f"customer dispute {d['id']}")
    )
    assert record.excluded is True
    audited = set(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "downtime_dispute"))
    )
    assert audited == {"open", "answer"}
    # the customer reads the outcome on the disputes page: before → after
    page = data_app_client.get("/portal/disputes", headers=headers)
    assert "-400.00 → 300.00 EUR" in page.text and "utility&#39;s outage report" in page.text


def test_a_rejected_dispute_keeps_the_money_and_tells_why(
    session, data_app_client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    w = report_world.build(session, tmp_path)
    customer = helpers.customer_of(session, w.account)
    body = {
        "contract_id": w.contract.id,
        "month": "2026-10",
        "serial": w.asset.serial,
        "start": "2026-10-25T00:00:00Z",  # the excluded record: the customer says it was down
        "asked_state": "down",
        "reason": "the power cut was on your side",
    }
    d = data_app_client.post(
        "/api/v1/portal/disputes", headers=auth(session, customer), json=body
    ).json()
    admin = b.user(session, role="admin")
    out = data_app_client.post(
        f"/api/v1/disputes/{d['id']}/answer",
        headers=auth(session, admin),
        json={"upheld": False, "answer": "The cut was in your substation."},
    ).json()
    assert (out["status"], out["amount_before"], out["amount_after"]) == (
        "rejected",
        "-400.00",
        "-400.00",
    )
    assert out["answer"] == "The cut was in your substation."


def test_customer_documents_carry_no_internal_words(session, data_app_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = report_world.build(session, tmp_path)
    session.add(
        DowntimePeriod(
            asset_id=w.asset.id,
            account_id=w.account.id,
            start=datetime(2026, 10, 28, 0, 0, tzinfo=UTC),
            end=datetime(2026, 10, 28, 1, 0, tzinfo=UTC),
            planned=True,
            cause="skipped greasing by the customer",
            note="INTERNAL: do not tell the customer",
        )
    )
    owner_quote = helpers.quote(session, w.account, w.owner, notes="INTERNAL: margin is thin")
    session.flush()
    customer = helpers.customer_of(session, w.account)
    headers = auth(session, customer)
    internal = (
        "power cut on the customer",
        "skipped greasing",
        "INTERNAL",
        "strategic",
        "discount above authority",
    )
    base = f"/portal/contracts/{w.contract.id}/report"
    page = data_app_client.get(f"{base}?period=2026-10", headers=headers).text
    pdf = pdf_text(data_app_client.get(f"{base}.pdf?period=2026-10", headers=headers).content)
    csv = data_app_client.get(
        f"{base}.csv?table=downtime&from=2026-10&to=2026-10", headers=headers
    ).text
    api = data_app_client.get(
        f"/api/v1/portal/contracts/{w.contract.id}/report?period=2026-10", headers=headers
    ).text
    quote_page = data_app_client.get(f"/portal/quotes/{owner_quote.id}", headers=headers).text
    quote_api = data_app_client.get(f"/api/v1/portal/quotes/{owner_quote.id}", headers=headers).text
    quote_pdf = pdf_text(
        data_app_client.get(f"/portal/quotes/{owner_quote.id}.pdf", headers=headers).content
    )
    for text in (page, csv, api, quote_page, quote_api):
        assert not [w_ for w_ in internal if w_ in text]
    for blob in (pdf, quote_pdf):
        assert not [w_ for w_ in internal if w_.encode() in blob]
    # the staff's report does name the cause: the portal removed it, the figures are the same
    staff = data_app_client.get(
        f"/api/v1/contracts/{w.contract.id}/report?period=2026-10", headers=auth(session, w.owner)
    ).json()
    assert any("power cut" in (s["cause"] or "") for s in staff["downtime"])
    mine = data_app_client.get(
        f"/api/v1/portal/contracts/{w.contract.id}/report?period=2026-10", headers=headers
    ).json()
    assert mine["result"] == staff["result"]
    # the company name of the branding is on the customer's copy
    assert "Your service partner" in page and b"Your service partner" in pdf


# ------------------------------------------------------------------------------ quotes


def test_accepting_a_quote_creates_its_order_and_contract(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    account = b.account(session, owner_id=owner.id)
    q = helpers.quote(session, account, owner)
    draft = helpers.quote(session, account, owner, status="draft")
    customer = helpers.customer_of(session, account, full_name="Eva Buyer")
    headers = auth(session, customer)
    listed = app_client.get("/api/v1/portal/quotes", headers=headers).json()
    assert [x["id"] for x in listed] == [q.id]  # a draft is not the customer's to read
    assert app_client.get(f"/api/v1/portal/quotes/{draft.id}", headers=headers).status_code == 404
    changes = app_client.post(
        f"/api/v1/portal/quotes/{q.id}/changes",
        headers=headers,
        json={"message": "Could monitoring start in March?"},
    )
    assert changes.status_code == 201 and changes.json()["change_requests"] == [
        "Could monitoring start in March?"
    ]
    done = app_client.post(
        f"/api/v1/portal/quotes/{q.id}/accept", headers=headers, json={"name": "Eva Buyer"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "accepted" and done.json()["orders"] == 1
    contract = session.scalar(select(Contract).where(Contract.quote_id == q.id))
    assert (contract.kind.value, contract.fee_cents, contract.account_id) == (
        "subscription",
        6_000,
        account.id,
    )
    order = session.scalar(select(Order).where(Order.account_id == account.id))
    assert order.amount_cents == 50_000
    again = app_client.post(
        f"/api/v1/portal/quotes/{q.id}/accept", headers=headers, json={"name": "Eva Buyer"}
    )
    assert again.status_code == 409
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.entity == "quote", AuditEntry.action == "accept")
    )
    assert entry.actor_id == customer.id


# ------------------------------------------------------------------ sheets and requests


def test_a_customer_signs_a_sheet_remotely_and_asks_for_service(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    tech = b.user(session, role="technician")
    account = b.account(session, owner_id=owner.id)
    asset = b.asset(session, account)
    offering = b.offering(session, sign_up_eligible=True, list_price_cents=12_000, currency="EUR")
    visit = b.visit(session, tech, account)
    sheet = SignUpSheet(
        visit_id=visit.id, account_id=account.id, technician_id=tech.id, status="proposed"
    )
    session.add(sheet)
    session.flush()
    line = SignUpLine(
        sheet_id=sheet.id,
        offering_id=offering.id,
        reason="INTERNAL hunch",
        unit_price_cents=12_000,
        currency="EUR",
    )
    session.add(line)
    session.flush()
    customer = helpers.customer_of(session, account)
    headers = auth(session, customer)
    read = app_client.get(f"/api/v1/portal/sheets/{sheet.id}", headers=headers)
    assert "INTERNAL" not in read.text
    unsigned = app_client.post(
        f"/api/v1/portal/sheets/{sheet.id}/sign",
        headers=headers,
        json={"line_ids": [line.id], "signer_name": "Eva Buyer"},
    )
    assert unsigned.status_code == 422 and "agree" in unsigned.text
    signed = app_client.post(
        f"/api/v1/portal/sheets/{sheet.id}/sign",
        headers=headers,
        json={"line_ids": [line.id], "signer_name": "Eva Buyer", "agree": True},
    )
    assert signed.status_code == 200, signed.text
    session.refresh(sheet)
    assert (sheet.status, sheet.signer_name, sheet.signed_on) == ("signed", "Eva Buyer", "portal")
    assert (
        session.scalar(select(Order.amount_cents).where(Order.account_id == account.id)) == 12_000
    )

    asked = app_client.post(
        "/api/v1/portal/requests",
        headers=headers,
        json={"account_id": account.id, "asset_id": asset.id, "text": "Oil leak under the press"},
    )
    assert asked.status_code == 201
    rid = asked.json()["id"]
    manager = b.user(session, role="sales_manager")
    staff = auth(session, manager)
    assert [
        r["id"]
        for r in app_client.get("/api/v1/service-requests?status=open", headers=staff).json()
    ] == [rid]
    lead = app_client.post(
        f"/api/v1/service-requests/{rid}/handle",
        headers=staff,
        json={"action": "lead", "estimated_value": "800.00"},
    )
    assert lead.status_code == 200, lead.text
    row = session.get(ServiceRequest, rid)
    assert row.status.value == "lead" and row.lead_id is not None
    from servitize.intelligence.models import Lead

    made = session.get(Lead, row.lead_id)
    assert made.account_id == account.id and made.estimated_value_cents == 80_000
    assert "Oil leak under the press" in made.story
    mine = app_client.get("/api/v1/portal/requests", headers=headers).json()
    assert [(r["id"], r["status"]) for r in mine] == [(rid, "lead")]

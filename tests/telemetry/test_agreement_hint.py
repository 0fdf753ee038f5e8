"""Telemetry without an agreement is never an empty answer in silence; an agreement can be
recorded from the shell and the API (audited, within the user's scope and role)."""

from __future__ import annotations

import json
from contextlib import contextmanager

from typer.testing import CliRunner

from servitize.telemetry.store import TelemetryStore
from servitize.trust import audit
from tests import builders
from tests.telemetry.helpers import write_status


def _world(session, tmp_path):  # type: ignore[no-untyped-def]
    owner = builders.user(session, role="account_owner")
    account = builders.account(session, owner_id=owner.id)
    machines = [builders.asset(session, account, serial=f"NA{n}-{account.id}") for n in (1, 2)]
    store = TelemetryStore(tmp_path / "telemetry")
    write_status(
        store,
        [(m.serial, "2026-04-01T00:00", "running") for m in machines]
        + [(m.serial, "2026-04-30T00:00", "running") for m in machines],
    )
    return owner, account, machines


@contextmanager
def _shared(session):  # type: ignore[no-untyped-def]
    yield session
    session.flush()


def test_availability_without_agreement_says_how_many_and_how(
    session, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from servitize.cli import app
    from servitize.telemetry import cli as telemetry_cli

    _, _, machines = _world(session, tmp_path)
    monkeypatch.setattr(telemetry_cli, "cli_session", lambda *a, **k: _shared(session))
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["availability", "--month", "2026-04", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ours = {m.serial for m in machines}  # other tests' committed machines may be listed
    assert not [a for a in data["assets"] if a["serial"] in ours] and data["without_agreement"] == 2
    assert (
        "2 machines have telemetry but no data-sharing agreement for contract_verification"
        in data["hint"]
    )
    assert (
        "servitize consent grant" in data["hint"]
        and "POST /api/v1/consent/agreements" in data["hint"]
    )
    assert "2 machines have telemetry" in result.stderr  # said on the terminal too


def test_agreement_through_the_api(app_client, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.field.conftest import token_for

    owner, account, machines = _world(session, tmp_path)
    app_client.app.state.settings = app_client.app.state.settings.model_copy(
        update={"data_dir": tmp_path}
    )
    mine = token_for(session, owner.id)
    before = app_client.get("/api/v1/availability?month=2026-04", headers=mine).json()
    assert (before["assets"], before["without_agreement"]) == ([], 2)
    body = {
        "account_id": account.id,
        "data_kinds": ["status"],
        "purposes": ["contract_verification"],
        "valid_from": "2026-01-01T00:00:00Z",
    }
    analyst = builders.user(session, role="analyst")
    assert (
        app_client.post(
            "/api/v1/consent/agreements", json=body, headers=token_for(session, analyst.id)
        ).status_code
        == 403
    )
    stranger = builders.user(session, role="account_owner")
    assert (
        app_client.post(
            "/api/v1/consent/agreements", json=body, headers=token_for(session, stranger.id)
        ).status_code
        == 404
    )
    bad = app_client.post(
        "/api/v1/consent/agreements", json=body | {"purposes": ["gossip"]}, headers=mine
    )
    assert bad.status_code == 422
    made = app_client.post("/api/v1/consent/agreements", json=body, headers=mine)
    assert made.status_code == 201, made.text
    assert [
        e.action for e in audit.entries(session, "data_sharing_agreement", str(made.json()["id"]))
    ] == ["create"]
    after = app_client.get("/api/v1/availability?month=2026-04", headers=mine).json()
    assert sorted(r["serial"] for r in after["assets"]) == sorted(m.serial for m in machines)
    assert (after["without_agreement"], after["hint"]) == (0, None)


def test_agreement_on_the_account_page(client, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from servitize.telemetry.models import DataSharingAgreement
    from servitize.trust.passwords import hash_password
    from tests.web.conftest import csrf_of, log_in

    owner, account, _machines = _world(session, tmp_path)
    analyst, stranger = (
        builders.user(session, role="analyst"),
        builders.user(session, role="account_owner"),
    )
    for u in (owner, analyst, stranger):
        u.password_hash = hash_password("consent-page-password")
    session.flush()
    url = f"/accounts/{account.id}/consent"
    log_in(client, owner.username, "consent-page-password")
    page = client.get(url)
    assert page.status_code == 200 and "No agreement recorded" in page.text
    token = csrf_of(page.text)
    form = {
        "csrf_token": token,
        "data_kinds": ["status", "energy"],
        "purposes": ["contract_verification"],
        "valid_from": "2026-01-01",
        "document": "signed 2026-01-05",
    }
    bad = client.post(url, data=form | {"valid_from": "0001-01-01"})
    assert bad.status_code == 422 and "outside the accepted years" in bad.text
    saved = client.post(url, data=form)
    assert saved.status_code == 303, saved.text
    [agreement] = session.scalars(
        select(DataSharingAgreement).where(DataSharingAgreement.account_id == account.id)
    ).all()
    assert (agreement.data_kinds, agreement.purposes, agreement.recorded_by) == (
        ["energy", "status"],
        ["contract_verification"],
        owner.username,
    )
    assert [
        e.action for e in audit.entries(session, "data_sharing_agreement", str(agreement.id))
    ] == ["create"]
    assert "signed 2026-01-05" in client.get(url).text
    client.cookies.clear()
    log_in(client, analyst.username, "consent-page-password")
    assert 'data-testid="consent-form"' not in client.get(url).text
    assert (
        client.post(
            url, data=form | {"csrf_token": csrf_of(client.get("/accounts").text)}
        ).status_code
        == 403
    )
    client.cookies.clear()
    log_in(client, stranger.username, "consent-page-password")
    assert client.get(url).status_code == 404

"""Recording salespeople's twin proficiency: who may, what the grid then says, the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b
from tests.intelligence.fleet import build


def _auth(session, user):  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_a_sales_manager_records_a_level_and_the_grid_warning_follows(session, app_client) -> None:  # type: ignore[no-untyped-def]
    build(session)
    olga = session.scalar(select(b.User).where(b.User.username == "olga"))
    manager = b.user(session, role="sales_manager")
    session.flush()
    owner_auth, manager_auth = _auth(session, olga), _auth(session, manager)

    [position] = app_client.get("/api/v1/twin-positions", headers=owner_auth).json()
    need = position["needed"]
    assert position["owner_proficiency"] is None and "not recorded" in position["warning"]

    below = app_client.put(
        f"/api/v1/twin-proficiency/{olga.id}", headers=manager_auth, json={"level": need - 1}
    )
    assert below.status_code == 200 and below.json()["level"] == need - 1
    [position] = app_client.get("/api/v1/twin-positions", headers=owner_auth).json()
    assert "bring in a digital specialist" in position["warning"]

    app_client.put(
        f"/api/v1/twin-proficiency/{olga.id}", headers=manager_auth, json={"level": need}
    )
    [position] = app_client.get("/api/v1/twin-positions", headers=owner_auth).json()
    assert position["owner_proficiency"] == need and position["warning"] is None

    listed = app_client.get("/api/v1/twin-proficiency", headers=owner_auth).json()
    assert {"username": "olga", "level": need} in [
        {"username": s["username"], "level": s["level"]} for s in listed
    ]
    trail = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "twin_proficiency").order_by(AuditEntry.id)
    ).all()
    assert [(t.before["level"], t.after["level"]) for t in trail] == [
        (None, need - 1),
        (need - 1, need),
    ]


def test_only_managers_record_and_only_for_salespeople(session, app_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    technician = b.user(session, role="technician")
    admin = b.user(session, role="admin")
    session.flush()
    url = f"/api/v1/twin-proficiency/{owner.id}"
    assert app_client.put(url, headers=_auth(session, owner), json={"level": 5}).status_code == 403
    assert app_client.put(url, headers=_auth(session, admin), json={"level": 6}).status_code == 422
    refused = app_client.put(
        f"/api/v1/twin-proficiency/{technician.id}",
        headers=_auth(session, admin),
        json={"level": 3},
    )
    assert (
        refused.status_code == 422
        and "account owners and sales managers" in refused.json()["detail"]
    )
    assert (
        app_client.put(
            "/api/v1/twin-proficiency/999999", headers=_auth(session, admin), json={"level": 3}
        ).status_code
        == 404
    )


def test_the_twin_page_form_records_a_level(session, client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import log_in

    owner = b.user(session, role="account_owner", username="pia")
    b.user(session, role="sales_manager", username="sven", password="sven-secret-1")
    session.flush()
    log_in(client, "sven", "sven-secret-1")
    page = client.get("/twin")
    assert page.status_code == 200 and 'data-user="pia"' in page.text
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    saved = client.post(
        "/twin/proficiency", data={"user_id": owner.id, "level": 4, "csrf_token": csrf}
    )
    assert saved.status_code == 303
    row = client.get("/twin").text.split('data-user="pia"', 1)[1].split("</tr>", 1)[0]
    assert "<td>4</td>" in row


def test_the_cli_records_as_a_manager_and_refuses_an_owner(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On a file database: a sales manager sets a level; an owner may not."""
    from servitize.cli import app
    from servitize.core.db import make_engine, session_factory
    from tests.conftest import migrated_sqlite

    database_url = migrated_sqlite(tmp_path / "cli.db")
    engine = make_engine(database_url)
    with session_factory(engine)() as s:
        owner = b.user(s, role="account_owner")
        manager = b.user(s, role="sales_manager")
        s.commit()
        names = owner.username, manager.username
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", database_url)
    runner = CliRunner()
    ok = runner.invoke(app, ["proficiency", names[0], "3", "--as", names[1]])
    assert ok.exit_code == 0, ok.output
    assert f"{names[0]}: proficiency 3" in ok.output
    refused = runner.invoke(app, ["proficiency", names[0], "5", "--as", names[0]])
    assert refused.exit_code == 2 and "that is for: admin, sales_manager" in refused.output
    engine.dispose()

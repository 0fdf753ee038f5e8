"""Gate decisions: one current decision per gate, in its phase, a confirmed no-go, a reopen by a
manager, and the separation of duties (who decides which gate), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from servitize.core import migrate
from servitize.core.errors import Conflict, PermissionDenied
from servitize.sales import repository as repo
from servitize.sales import service
from servitize.sales.models import GateDecision, Opportunity
from servitize.sales.schemas import DecisionIn
from servitize.trust.audit import entries
from servitize.trust.service import issue_token
from tests import builders as b
from tests.conftest import migrated_database, migrated_sqlite

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _opp(session, owner, phase=2, status="open", **kw):  # type: ignore[no-untyped-def]
    acc = b.account(session, owner_id=owner.id, territory="north")
    opp = Opportunity(
        account_id=acc.id,
        title="Press line",
        phase=phase,
        status=status,
        owner_id=owner.id,
        currency="EUR",
        phase_entered_at=NOW,
        **kw,
    )
    session.add(opp)
    session.flush()
    return opp


def _go(gate, decision="go", confirm=False):  # type: ignore[no-untyped-def]
    return DecisionIn(
        gate=gate, decision=decision, reason="checked with the plant", confirm=confirm
    )


def _rows(session, opp_id, gate):  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(GateDecision)
            .where(GateDecision.opportunity_id == opp_id, GateDecision.gate == gate)
            .order_by(GateDecision.id)
        )
    )


def test_a_new_decision_supersedes_and_a_repeat_is_refused(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    opp = _opp(session, owner)
    first = service.decide(session, owner, opp.id, _go("pursue"), now=NOW)
    with pytest.raises(Conflict, match="the pursue gate is already go; nothing new to record"):
        service.decide(session, owner, opp.id, _go("pursue"), now=LATER)
    assert len(_rows(session, opp.id, "pursue")) == 1

    second = service.decide(session, owner, opp.id, _go("pursue", "no_go", confirm=True), now=LATER)
    old, new = _rows(session, opp.id, "pursue")
    assert (old.id, new.id) == (first.id, second.id)
    assert (old.superseded_at is not None, old.superseded_by_id, new.superseded_at) == (
        True,
        second.id,
        None,
    )
    assert repo.latest_decisions(repo.decisions_of(session, [opp.id]))[opp.id] == {
        "pursue": "no_go"
    }
    assert opp.status == "rejected"
    decided = [e for e in entries(session, "opportunity", str(opp.id)) if e.action == "decide"]
    assert [(e.before["pursue"], e.after["decision"], e.after["supersedes"]) for e in decided] == [
        ("go", "no_go", first.id),
        (None, "go", None),
    ]  # newest first


def test_the_database_holds_one_current_decision_per_gate(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    opp = _opp(session, owner)
    session.add(
        GateDecision(
            opportunity_id=opp.id,
            gate="pursue",
            decision="go",
            reason="a",
            phase=2,
            decided_by="anna",
            decided_at=NOW,
        )
    )
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            GateDecision(
                opportunity_id=opp.id,
                gate="pursue",
                decision="go",
                reason="b",
                phase=2,
                decided_by="anna",
                decided_at=NOW,
            )
        )
        session.flush()


def test_forty_submits_of_the_same_go_leave_one(session, sales_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    opp = _opp(session, owner)
    auth = {"Authorization": f"Bearer {issue_token(session, owner)}"}
    codes = [
        sales_client.post(
            f"/api/v1/opportunities/{opp.id}/decisions",
            headers=auth,
            json={"gate": "pursue", "decision": "go", "reason": "strategic"},
        ).status_code
        for _ in range(40)
    ]
    assert (codes[0], set(codes[1:])) == (201, {409})
    assert len(_rows(session, opp.id, "pursue")) == 1


def test_tender_and_approval_only_in_phase_three(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    manager = b.user(session, role="sales_manager")
    opp = _opp(session, owner, phase=2, value_cents=500_000_000, risk="high")
    service.decide(session, owner, opp.id, _go("pursue"), now=NOW)
    with pytest.raises(
        Conflict, match="the tender gate is decided in phase 3, and the opportunity is in phase 2"
    ):
        service.decide(session, owner, opp.id, _go("tender"))
    with pytest.raises(
        Conflict, match="the approval gate is decided in phase 3, and the opportunity is in phase 2"
    ):
        service.decide(session, manager, opp.id, _go("approval"))
    opp.phase = 3
    service.decide(session, owner, opp.id, _go("tender"), now=LATER)
    service.decide(session, manager, opp.id, _go("approval"), now=LATER)
    opp.phase, opp.status = 4, "won"
    with pytest.raises(Conflict, match=r"closed|phase 3"):
        service.decide(session, manager, opp.id, _go("approval", "no_go", confirm=True))


def test_a_no_go_asks_for_confirmation(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    opp = _opp(session, owner)
    with pytest.raises(
        Conflict, match="a no-go at the pursue gate closes the opportunity as rejected: confirm it"
    ):
        service.decide(session, owner, opp.id, _go("pursue", "no_go"))
    assert (opp.status, _rows(session, opp.id, "pursue")) == ("open", [])
    service.decide(session, owner, opp.id, _go("pursue", "no_go", confirm=True))
    assert opp.status == "rejected"


def test_separation_of_duties_at_the_gates(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    other_owner = b.user(session, role="account_owner")
    manager = b.user(session, role="sales_manager")
    tech = b.user(session, role="technician", territory="north")
    service_manager = b.user(session, role="service_manager")
    # The issue's example: a technician decided approval on a 5 M EUR high-risk opportunity.
    big = _opp(session, owner, phase=3, value_cents=500_000_000, risk="high")
    service.decide(session, owner, big.id, _go("pursue"), now=NOW)
    with pytest.raises(
        PermissionDenied, match="role technician may not decide management approval"
    ):
        service.decide(session, tech, big.id, _go("approval"))
    with pytest.raises(
        PermissionDenied, match="role account_owner may not decide management approval"
    ):
        service.decide(session, owner, big.id, _go("approval"))
    # pursue and tender: the opportunity's own owner, not another account owner.
    other = _opp(session, other_owner, phase=3)
    other.account_id = big.account_id  # visible to ``owner`` too
    session.flush()
    with pytest.raises(PermissionDenied, match="only on their own record"):
        service.decide(session, owner, other.id, _go("pursue"))
    service.decide(session, manager, other.id, _go("pursue"), now=NOW)
    # approval: a sales manager, but not the one who owns the opportunity.
    mine = _opp(session, manager, phase=3, value_cents=500_000_000, risk="high")
    service.decide(session, manager, mine.id, _go("pursue"), now=NOW)
    with pytest.raises(PermissionDenied, match="other than the opportunity's owner"):
        service.decide(session, manager, mine.id, _go("approval"))
    assert service.decide(session, manager, big.id, _go("approval")).decided_by == manager.username
    # acceptance: the project side.
    won = _opp(session, owner, phase=4, status="won", contract_value_cents=100_000)
    with pytest.raises(PermissionDenied, match="that is for: service_manager"):
        service.decide(session, owner, won.id, _go("acceptance"))
    assert service.decide(session, service_manager, won.id, _go("acceptance")).gate == "acceptance"


def test_a_manager_reopens_a_no_go(session) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, role="account_owner")
    manager = b.user(session, username="maria", role="sales_manager")
    opp = _opp(session, owner)
    no_go = service.decide(session, owner, opp.id, _go("pursue", "no_go", confirm=True), now=NOW)
    assert (opp.status, opp.closed_at is not None) == ("rejected", True)
    with pytest.raises(PermissionDenied, match="that is for: sales_manager"):
        service.reopen(session, owner, opp.id, "budget found")
    service.reopen(session, manager, opp.id, "the customer found a budget", now=LATER)
    assert (opp.status, opp.closed_at) == ("open", None)
    assert no_go.superseded_at is not None
    assert repo.latest_decisions(repo.decisions_of(session, [opp.id])).get(opp.id, {}) == {}
    last = entries(session, "opportunity", str(opp.id))[0]
    assert (last.action, last.actor, last.note) == (
        "reopen",
        "maria",
        "the customer found a budget",
    )
    with pytest.raises(
        Conflict, match="only an opportunity closed by a pursue or tender no-go is reopened"
    ):
        service.reopen(session, manager, opp.id, "again")
    service.decide(session, owner, opp.id, _go("pursue"), now=LATER)  # decided afresh
    assert len(_rows(session, opp.id, "pursue")) == 2


def test_pages_confirm_a_no_go_and_reopen(session, sales_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    manager = b.user(session, username="maria", role="sales_manager")
    opp = _opp(session, owner)
    hx = {"Authorization": f"Bearer {issue_token(session, owner)}", "HX-Request": "true"}
    url = f"/opportunities/{opp.id}"
    frag = sales_client.post(
        f"{url}/decide",
        headers=hx,
        data={"gate": "pursue", "decision": "no_go", "reason": "no budget"},
    )
    assert "confirm it" in frag.text and opp.status == "open"
    frag = sales_client.post(
        f"{url}/decide",
        headers=hx,
        data={"gate": "pursue", "decision": "no_go", "reason": "no budget", "confirm": "true"},
    )
    assert "pursue: no go recorded" in frag.text and "Why reopen" not in frag.text  # not a manager
    assert (
        sales_client.post(f"{url}/reopen", headers=hx, data={"reason": "budget"}).status_code == 403
    )
    mx = {"Authorization": f"Bearer {issue_token(session, manager)}", "HX-Request": "true"}
    assert "Why reopen" in sales_client.get(url, headers=mx).text
    frag = sales_client.post(f"{url}/reopen", headers=mx, data={"reason": "budget found"})
    assert "reopened" in frag.text and "superseded" in frag.text
    session.refresh(opp)
    assert opp.status == "open"


def test_the_migration_keeps_the_newest_decision_current(tmp_path_factory, database_url) -> None:  # type: ignore[no-untyped-def]
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    with migrated_database(backend, "gates0010", tmp_path_factory) as url:
        from alembic import command

        command.downgrade(migrate.alembic_config(url), "0009")
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO account (id, external_id, name, kind, currency, created_at, updated_at) "
                    "VALUES (1, 'A1', 'Acme', 'customer', 'EUR', :t, :t)"
                ),
                {"t": NOW},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO opportunity (id, account_id, title, source, offering_type, phase, "
                    "phase_entered_at, status, currency, risk, created_at, updated_at) VALUES "
                    "(1, 1, 'T', 'account', 'project', 2, :t, 'open', 'EUR', 'medium', :t, :t)"
                ),
                {"t": NOW},
            )
            for i, (decision, at) in enumerate(
                [("go", NOW), ("no_go", LATER), ("go", NOW)], start=1
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO gate_decision (id, opportunity_id, gate, decision, reason, phase, "
                        "decided_by, decided_at) VALUES (:i, 1, 'pursue', :d, 'r', 2, 'anna', :at)"
                    ),
                    {"i": i, "d": decision, "at": at},
                )
        migrate.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, superseded_at IS NULL FROM gate_decision ORDER BY id")
            ).all()
        engine.dispose()
    # Row 2 (decided the day after) is the newest; rows 1 and 3 become history.
    assert [(i, bool(current)) for i, current in rows] == [(1, False), (2, True), (3, False)]


def test_the_page_shows_only_the_forms_the_role_may_use(session, sales_client) -> None:  # type: ignore[no-untyped-def]
    owner = b.user(session, username="anna", role="account_owner")
    analyst = b.user(session, username="alex", role="analyst")
    opp = _opp(session, owner, phase=3)
    url = f"/opportunities/{opp.id}"
    mine = sales_client.get(
        url, headers={"Authorization": f"Bearer {issue_token(session, owner)}"}
    ).text
    theirs = sales_client.get(
        url, headers={"Authorization": f"Bearer {issue_token(session, analyst)}"}
    ).text
    # The owner decides pursue and tender, not approval; the analyst decides nothing, changes nothing.
    assert mine.count(f'action="/opportunities/{opp.id}/decide"') == 2
    assert "decided by a sales manager other than the owner" in mine
    assert "/decide" not in theirs and "/advance" not in theirs and "/team" not in theirs
    assert theirs.count("decided by ") == 4


def test_the_cli_asks_the_role_table_as_the_user(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``--as`` paths: the analyst's writes are refused (exit 2), a no-go needs --yes, a manager reopens."""
    import json

    from typer.testing import CliRunner

    from servitize.cli import app
    from servitize.core.db import make_engine, session_factory, session_scope

    url = migrated_sqlite(tmp_path / "cli.db")
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        owner = b.user(session, username="anna", role="account_owner")
        b.user(session, username="alex", role="analyst")
        b.user(session, username="maria", role="sales_manager")
        oid = str(_opp(session, owner, phase=2).id)
    engine.dispose()
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", url)
    run = CliRunner().invoke
    decide = ["opportunities", "decide", oid, "--gate", "pursue", "--reason", "no budget"]

    r = run(app, [*decide, "--decision", "go", "--as", "alex"])
    assert r.exit_code == 2 and "role analyst may not decide the pursue gate" in r.output
    r = run(app, ["opportunities", "create", "--account", "1", "--title", "X", "--as", "alex"])
    assert r.exit_code == 2 and "role analyst may not open an opportunity" in r.output
    r = run(app, [*decide, "--decision", "no-go", "--as", "anna"])
    assert r.exit_code == 2 and "confirm it" in r.output
    assert run(app, [*decide, "--decision", "no-go", "--yes", "--as", "anna"]).exit_code == 0
    assert (
        run(app, ["opportunities", "reopen", oid, "--reason", "budget", "--as", "anna"]).exit_code
        == 2
    )
    r = run(app, ["opportunities", "reopen", oid, "--reason", "budget found", "--as", "maria"])
    assert r.exit_code == 0, r.output
    view = json.loads(run(app, ["opportunities", "show", oid, "--json"]).stdout)
    assert view["opportunity"]["status"] == "open" and view["gates"]["pursue"] is None

"""The types through the API: assign and end with who and why (audited), an account's type
and why, sellers per desk; bad input answers 4xx naming the field; the CLI prints the same."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.trust.models import AuditEntry
from servitize.trust.service import issue_token
from tests import builders as b
from tests.org_types.helpers import segment

API = "/api/v1/org/types"


def _auth(session: Session, role: str, **kw: Any) -> dict[str, str]:
    user = b.user(session, role=role, **kw)
    return {"Authorization": f"Bearer {issue_token(session, user)}"}


def test_a_head_of_sales_assigns_a_segment_and_an_account_shows_why(session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager", full_name="Maria Schmidt")
    acc = b.account(session, name="Fleet AG", industry="Logistics", country="DE")
    segment(session, acc.id, "Digital partner")
    r = app_client.post(
        f"{API}/assignments",
        json={
            "basis": "segment",
            "value": "Digital partner",
            "org_type": 2,
            "valid_from": "2026-03-01",
            "reason": "connected fleets buy service and digital together",
        },
        headers=head,
    )
    assert r.status_code == 201, r.text
    made = r.json()[0]
    assert (made["org_type"], made["valid_from"], made["assigned_by"]) == (
        2,
        "2026-03-01",
        "Maria Schmidt",
    )
    why = app_client.get(f"{API}/accounts/{acc.id}", headers=head).json()
    assert why["org_type"] == 2 and why["basis"] == "segment" and why["rules_apply"] is True
    assert why["why"] == (
        "type 2 since 2026-03-01: segment 'Digital partner', assigned by Maria Schmidt "
        "(connected fleets buy service and digital together)"
    )
    assert why["effects"]["process_template"] == "service_agreement"
    # the segment's own go-to-market label (helpers.segment: "separate") is shown as a suggestion
    assert (why["segment"], why["suggested_type"]) == ("Digital partner", 1)
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "org_type.assign", AuditEntry.entity_id == str(made["id"])
        )
    )
    assert entry is not None and entry.after["reason"].startswith("connected fleets")

    ended = app_client.post(
        f"{API}/assignments/{made['id']}/end",
        json={"valid_to": "2026-06-01", "reason": "pilot over"},
        headers=head,
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["valid_to"] == "2026-06-01" and ended.json()["end_reason"] == "pilot over"


def test_a_list_of_accounts_gets_one_assignment_each(session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "admin")
    a, c = b.account(session), b.account(session)
    r = app_client.post(
        f"{API}/assignments",
        json={"basis": "account", "accounts": [a.id, c.id], "org_type": 4, "reason": "pilot"},
        headers=head,
    )
    assert r.status_code == 201, r.text
    assert sorted(x["value"] for x in r.json()) == sorted([str(a.id), str(c.id)])
    listed = app_client.get(f"{API}/assignments", headers=head).json()
    assert {x["group"] for x in listed} >= {f"account '{a.name}'", f"account '{c.name}'"}
    assert {x["accounts_served"] for x in listed if x["value"] in (str(a.id), str(c.id))} == {1}
    types = app_client.get(API, headers=head).json()
    assert [t["org_type"] for t in types["types"]] == [1, 2, 3, 4]
    assert types["types"][3]["accounts"] == 2
    assert types["precedence"] == ["account", "segment", "industry", "country", "default"]


def test_bad_input_names_the_field(session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager")
    acc = b.account(session, industry="Food", country="DE")

    def post(body: dict[str, Any]) -> Any:
        return app_client.post(f"{API}/assignments", json={"reason": "r", **body}, headers=head)

    cases = [
        ({"basis": "segment", "value": "Digital partner", "org_type": 5}, 422, "org_type"),
        ({"basis": "segment", "value": "Nobody's segment", "org_type": 2}, 422, "segment"),
        ({"basis": "industry", "value": "Knitting", "org_type": 2}, 422, "industry"),
        ({"basis": "country", "value": "XX", "org_type": 2}, 422, "country"),
        ({"basis": "account", "accounts": [acc.id + 10_000], "org_type": 2}, 422, "accounts"),
        ({"basis": "account", "value": "x", "org_type": 2}, 422, "accounts"),
        ({"basis": "planet", "value": "Mars", "org_type": 2}, 422, "basis"),
    ]
    for body, status, field in cases:
        r = post(body)
        assert r.status_code == status, (body, r.text)
        assert field in r.text, (body, r.text)
    first = post({"basis": "industry", "value": "Food", "org_type": 3, "valid_from": "2026-01-01"})
    assert first.status_code == 201, first.text
    clash = post({"basis": "industry", "value": "Food", "org_type": 2, "valid_from": "2026-05-01"})
    assert clash.status_code == 409
    assert clash.json()["detail"].startswith(
        "valid_from: industry 'Food' already has type 3 from 2026-01-01"
    )
    early = app_client.post(
        f"{API}/assignments/{first.json()[0]['id']}/end",
        json={"valid_to": "2025-12-31"},
        headers=head,
    )
    assert early.status_code == 422 and "valid_to" in early.text
    seat = app_client.post(
        f"{API}/sellers", json={"user": "nobody-here", "desk": "digital"}, headers=head
    )
    assert seat.status_code == 422 and "user" in seat.text
    desk = app_client.post(f"{API}/sellers", json={"user": "x", "desk": "coffee"}, headers=head)
    assert desk.status_code == 422 and "desk" in desk.text
    assert app_client.get(f"{API}/accounts/{acc.id + 10_000}", headers=head).status_code == 404


def test_sellers_are_seated_and_removed(session, app_client) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager")
    dana = b.user(session, username="dana", full_name="Dana Digital", role="account_owner")
    r = app_client.post(
        f"{API}/sellers",
        json={"user": "dana", "desk": "digital", "territory": "north"},
        headers=head,
    )
    assert r.status_code == 201, r.text
    assert r.json() | {"id": 0} == {
        "id": 0,
        "desk": "digital",
        "desk_name": "digital seller",
        "user_id": dana.id,
        "username": "dana",
        "name": "Dana Digital",
        "territory": "north",
    }
    again = app_client.post(
        f"{API}/sellers",
        json={"user": dana.id, "desk": "digital", "territory": "north"},
        headers=head,
    )
    assert again.status_code == 409
    gone = app_client.delete(f"{API}/sellers/{r.json()['id']}", headers=head)
    assert gone.status_code == 204
    assert app_client.get(f"{API}/sellers", headers=head).json() == []


def test_the_command_prints_the_same_explanation(session, app_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    head = _auth(session, "sales_manager", full_name="Maria Schmidt")
    acc = b.account(session, industry="Paper")
    app_client.post(
        f"{API}/assignments",
        json={"basis": "industry", "value": "Paper", "org_type": 3, "reason": "solutions"},
        headers=head,
    )
    api = app_client.get(f"{API}/accounts/{acc.id}", headers=head).json()

    from contextlib import contextmanager

    from servitize.core.settings import Settings
    from servitize.trust.context import Context

    @contextmanager
    def here(username: str | None = None, settings: Settings | None = None):  # type: ignore[no-untyped-def]
        from servitize.trust.service import acting_user

        yield Context(session, acting_user(session, username), Settings())

    monkeypatch.setattr("servitize.trust.cli.cli_context", here)
    from typer.testing import CliRunner

    from servitize.cli import app

    result = CliRunner().invoke(app, ["org", "types", "explain", str(acc.id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == api
    listed = CliRunner().invoke(app, ["org", "types", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["types"][2]["accounts"] >= 1
    bad = CliRunner().invoke(
        app,
        [
            "org",
            "types",
            "assign",
            "7",
            "--basis",
            "industry",
            "--value",
            "Paper",
            "--reason",
            "x",
            "--json",
        ],
    )
    assert bad.exit_code == 2 and "org_type" in json.loads(bad.stdout)["error"]

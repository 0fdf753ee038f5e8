"""``servitize consent list``, ``change`` and ``record``: plain words, ``--json``, errors one line
naming the field."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

from typer.testing import CliRunner

from servitize.telemetry import consent
from servitize.trust.audit import Actor
from tests import builders as b


@contextmanager
def _shared(session):  # type: ignore[no-untyped-def]
    yield session
    session.flush()


def _run(session, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    from servitize.cli import app
    from servitize.telemetry import consent_cli

    monkeypatch.setattr(consent_cli, "cli_session", lambda *a, **k: _shared(session))
    return CliRunner().invoke(app, ["consent", *args])


def test_list_change_and_record(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session, name="Mill West")
    a = consent.record_agreement(
        session,
        Actor("staff"),
        acc.id,
        ["status", "energy"],
        ["contract_verification", "billing"],
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    r = _run(session, monkeypatch, "change", str(a.id), "--kind", "status", "--purpose", "billing")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == f"agreement {a.id}: narrow"
    r = _run(session, monkeypatch, "list", "--account", acc.external_id, "--json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert (row["id"], row["state"], row["data_kinds"], row["purposes"]) == (
        a.id,
        "narrowed",
        ["status"],
        ["billing"],
    )
    r = _run(session, monkeypatch, "list", "--account", acc.external_id)
    assert f"{a.id} Mill West: narrowed, status for billing, 2026-01-01 to open-ended" in r.stdout
    r = _run(session, monkeypatch, "record", acc.external_id, "--json")
    assert [h["change"] for h in json.loads(r.stdout)["history"]] == ["narrow", "grant"]
    r = _run(session, monkeypatch, "record", acc.external_id)
    assert r.exit_code == 0 and "Mill West:" in r.stdout and "narrow of" in r.stdout


def test_errors_name_the_field(session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    acc = b.account(session)
    a = consent.record_agreement(
        session, Actor("staff"), acc.id, ["status"], ["billing"], datetime(2026, 1, 1, tzinfo=UTC)
    )
    r = _run(session, monkeypatch, "list", "--state", "lost")
    assert r.exit_code == 2 and "state: one of" in r.output
    r = _run(
        session,
        monkeypatch,
        "change",
        str(a.id),
        "--kind",
        "status",
        "--purpose",
        "billing",
        "--purpose",
        "service_offers",
    )
    assert r.exit_code == 2 and "purposes: sharing more" in r.output
    r = _run(
        session,
        monkeypatch,
        "change",
        str(a.id),
        "--kind",
        "status",
        "--purpose",
        "billing",
        "--until",
        "soon",
    )
    assert r.exit_code == 2 and "until is not a date" in r.output

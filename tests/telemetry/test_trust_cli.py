"""``servitize telemetry gateway add`` and ``gaps``, and the machines' tenant keys, on a real database."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date

from sqlalchemy import select
from typer.testing import CliRunner

from servitize.cli import app
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.telemetry.machines import machines
from servitize.telemetry.store import Batch, TelemetryStore
from servitize.trust.models import AuditEntry
from tests import builders
from tests.telemetry.helpers import us


def test_machines_are_bound_to_their_account_and_site_keys_and_install_date(session) -> None:  # type: ignore[no-untyped-def]
    acme = builders.account(session, external_id="acme-k")
    plant = builders.site(session, acme, external_id="acme-plant-k")
    builders.asset(session, acme, serial="K-1", site_id=plant.id, install_date=date(2026, 4, 1))
    builders.asset(session, acme, serial="K-2", install_date=None)
    session.flush()
    known = machines(session)
    assert known["K-1"].tenants == frozenset({"acme-k", "acme-plant-k"})
    assert known["K-1"].not_before_us == us("2026-04-01T00:00")
    assert (known["K-2"].tenants, known["K-2"].not_before_us) == (frozenset({"acme-k"}), None)


def test_gateway_add_writes_password_and_acl_lines_and_is_audited(
    tmp_path, own_database_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(own_database_url)
    with session_scope(session_factory(engine)) as s:
        tenant = builders.account(s).external_id
    monkeypatch.setenv("SERVITIZE_DATABASE_URL", own_database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    passwd.write_text("other:$7$101$x$y")  # no final newline: the new line must not join it
    runner = CliRunner()
    name = f"gw-{tenant}"
    result = runner.invoke(
        app,
        [
            "telemetry",
            "gateway",
            "add",
            name,
            "--tenant",
            tenant,
            "--password-file",
            str(passwd),
            "--acl-file",
            str(acl),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    lines = passwd.read_text().splitlines()
    assert lines[0] == "other:$7$101$x$y" and lines[1].startswith(f"{name}:$7$101$")
    _, _, iterations, salt, digest = lines[1].split(":", 1)[1].split("$")
    assert base64.b64decode(digest) == hashlib.pbkdf2_hmac(
        "sha512", out["password"].encode(), base64.b64decode(salt), int(iterations)
    )
    assert acl.read_text() == (
        f"user {name}\ntopic write servitize/{tenant}/+/status\n"
        f"topic write servitize/{tenant}/+/measure\n"
    )
    with session_scope(session_factory(engine)) as s:
        entry = s.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "telemetry.gateway_add", AuditEntry.entity_id == name
            )
        )
        assert entry is not None and entry.after["tenant"] == tenant
        assert "password" not in json.dumps(entry.after).replace("password_file", "")
    engine.dispose()
    again = runner.invoke(
        app,
        ["telemetry", "gateway", "add", name, "--tenant", tenant, "--password-file", str(passwd)],
    )
    assert again.exit_code == 2 and "already has a user" in again.output
    unknown = runner.invoke(
        app, ["telemetry", "gateway", "add", "gw-x", "--tenant", "no-such-tenant"]
    )
    assert unknown.exit_code == 2 and "no account or site" in unknown.output
    wildcard = runner.invoke(app, ["telemetry", "gateway", "add", "gw-x", "--tenant", "acme/#"])
    assert wildcard.exit_code == 2


def test_gaps_command_alerts_with_exit_code_4(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    quiet = runner.invoke(app, ["telemetry", "gaps", "--json"])
    assert quiet.exit_code == 0 and json.loads(quiet.stdout) == {"gaps": []}
    batch = Batch()
    batch.add_gap(
        "G-1", us("2026-10-05T14:02"), us("2026-10-05T14:07"), "sequence", 5, "", 0, "mqtt"
    )
    TelemetryStore(tmp_path / "var" / "telemetry").write(batch)
    found = runner.invoke(app, ["telemetry", "gaps", "--days", "100000", "--json"])
    assert found.exit_code == 4
    assert json.loads(found.stdout)["gaps"] == [
        {
            "serial": "G-1",
            "start": "2026-10-05T14:02:00+00:00",
            "end": "2026-10-05T14:07:00+00:00",
            "kind": "sequence",
            "missing": 5,
            "minutes": 5.0,
        }
    ]


def test_listen_refuses_a_second_listener_with_the_same_client_id(
    tmp_path, database_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from servitize.telemetry.listener import single_listener

    monkeypatch.setenv("SERVITIZE_DATABASE_URL", database_url)
    monkeypatch.setenv("SERVITIZE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SERVITIZE_MQTT_URL", "mqtts://listener:s3cret@127.0.0.1:1")
    with single_listener(tmp_path / "var" / "telemetry", "same-id"):
        result = CliRunner().invoke(app, ["telemetry", "listen", "--client-id", "same-id"])
    assert result.exit_code == 2, result.output
    assert "already runs" in result.output
    assert "s3cret" not in result.output and "listener:***@127.0.0.1:1" in result.output


def test_doctor_exit_code_and_json(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.telemetry.private_broker import mosquitto

    with mosquitto(tmp_path / "broker", extra="max_queued_messages 0\n") as port:
        monkeypatch.setenv("SERVITIZE_MQTT_URL", f"mqtt://127.0.0.1:{port}")
        result = CliRunner().invoke(
            app, ["telemetry", "doctor", "--probe-messages", "200", "--json"]
        )
    out = json.loads(result.stdout)
    checks = {f["check"]: f["status"] for f in out["findings"]}
    # no TLS and no password: a warning, so the exit code says "not ready for production"
    assert checks == {
        "connect": "warn",
        "version": "ok",
        "session": "ok",
        "queue": "ok",
        "persistence": "info",
    }
    assert result.exit_code == 1 and out["ok"] is False


def test_doctor_checks_the_broker_named_by_url_instead_of_the_settings_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # --url used to collide with the settings' URL (a TypeError); nothing listens on port 1
    monkeypatch.setenv("SERVITIZE_MQTT_URL", "mqtt://127.0.0.1:1883")
    result = CliRunner().invoke(
        app,
        ["telemetry", "doctor", "--url", "mqtt://127.0.0.1:1", "--probe-messages", "10", "--json"],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    out = json.loads(result.stdout)
    connect = next(f for f in out["findings"] if f["check"] == "connect")
    assert connect["status"] == "fail" and "127.0.0.1:1" in connect["detail"]
    assert result.exit_code == 1

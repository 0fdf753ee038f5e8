"""``servitize telemetry doctor``, ``gaps`` and ``gateway add``: trusting what machines report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from servitize.core.console import cli_session, console, emit_json
from servitize.core.errors import InvalidInput, NotFound, ServitizeError
from servitize.core.lazy import lazy
from servitize.core.settings import Settings
from servitize.telemetry import doctor, gateways, rules
from servitize.telemetry.listener import ListenerConfig
from servitize.trust import audit

# pyarrow and Ibis load when a command runs, not for `servitize --help`.
gaps = lazy("servitize.telemetry.gaps")
records = lazy("servitize.telemetry.records")
store = lazy("servitize.telemetry.store")

EXIT_GAPS = 4


def limits(settings: Settings) -> rules.Limits:
    """Message bounds and the accepted years from the settings (the listener and file imports)."""
    return rules.Limits(
        settings.telemetry_max_payload_bytes,
        settings.telemetry_max_field_chars,
        (settings.date_min_year, settings.date_max_year),
    )


def listener_config(settings: Settings) -> ListenerConfig:
    """The listener's broker, TLS files and message bounds from the settings (a command changes
    the rest with ``dataclasses.replace``)."""
    return ListenerConfig(
        url=settings.mqtt_url,
        ca_file=settings.mqtt_ca_file,
        cert_file=settings.mqtt_cert_file,
        key_file=settings.mqtt_key_file,
        limits=limits(settings),
    )


def register(tele: typer.Typer) -> None:
    """Add the commands to ``servitize telemetry``."""

    @tele.command("doctor")
    def doctor_cmd(
        url: Annotated[
            str | None, typer.Option(help="broker URL (default SERVITIZE_MQTT_URL)")
        ] = None,
        probe_messages: Annotated[
            int, typer.Option(help="QoS 1 messages queued while the probe is offline")
        ] = doctor.PROBE_MESSAGES,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Check what the broker shows of its sessions, queue and TLS, and say what production needs."""
        settings = Settings()
        try:
            config = listener_config(settings)
            if url:
                config = replace(config, url=url)
            report = doctor.diagnose(config, probe_messages)
        except ServitizeError as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        if as_json:
            emit_json(report.as_dict())
        else:
            for f in report.findings:
                console.print(f"{f.status:>4}  {f.check}: {f.detail}", markup=False)
        raise typer.Exit(0 if report.ok else 1)

    @tele.command("gaps")
    def gaps_cmd(
        days: Annotated[float, typer.Option(help="look back this many days")] = 1.0,
        serial: Annotated[list[str] | None, typer.Option(help="only these serials")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Telemetry gaps per machine; exit code 4 when there are any (an alert for cron or monitoring)."""
        settings = Settings()
        end = datetime.now(UTC)
        found = gaps.find_gaps(
            store.TelemetryStore(settings.telemetry_dir),
            serial or None,
            end - timedelta(days=days),
            end,
            settings.telemetry_expected_interval_s,
            now=end,
        )
        if as_json:
            emit_json({"gaps": [g.as_dict() for g in found]})
        else:
            for g in found:
                extra = f", {g.missing} readings missing" if g.missing else ""
                console.print(f"{g.serial}: {g.label()} ({g.kind}{extra})", markup=False)
            if not found:
                console.print("no telemetry gaps")
        raise typer.Exit(EXIT_GAPS if found else 0)

    gateway_app = typer.Typer(no_args_is_help=True, help="Broker credentials for machine gateways.")
    tele.add_typer(gateway_app, name="gateway")

    @gateway_app.command("add")
    def gateway_add(
        name: Annotated[str, typer.Argument(help="the gateway's broker user name")],
        tenant: Annotated[str, typer.Option(help="the account or site external id it reports for")],
        password_file: Annotated[
            Path | None,
            typer.Option(help="append the password line to this Mosquitto password file"),
        ] = None,
        acl_file: Annotated[
            Path | None, typer.Option(help="append the ACL lines to this Mosquitto ACL file")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """New broker credentials for a gateway: it may publish only under servitize/<tenant>/ (audited)."""
        try:
            creds = gateways.new_gateway(name, tenant)
            with cli_session() as session:
                if not records.is_tenant(session, tenant):
                    raise NotFound(f"no account or site has the external id {tenant!r}")
                if (
                    password_file
                    and password_file.exists()
                    and any(
                        line.split(":", 1)[0] == name
                        for line in password_file.read_text().splitlines()
                    )
                ):
                    raise InvalidInput(f"{password_file} already has a user {name!r}")
                audit.record(
                    session,
                    audit.Actor("cli"),
                    "telemetry.gateway_add",
                    "gateway",
                    name,
                    after={
                        "name": name,
                        "tenant": tenant,
                        "password_file": str(password_file) if password_file else None,
                    },
                )
                for path, lines in (
                    (password_file, [creds.password_line, ""]),
                    (acl_file, creds.acl_lines),
                ):
                    if path is not None:
                        text = path.read_text() if path.exists() else ""
                        lead = "\n" if text and not text.endswith("\n") else ""
                        with path.open("a", encoding="utf-8") as f:
                            f.write(lead + "\n".join(lines))
        except (ServitizeError, OSError) as exc:
            console.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
            raise typer.Exit(2) from None
        out = {
            "username": creds.username,
            "password": creds.password,
            "tenant": tenant,
            "password_line": creds.password_line,
            "acl_lines": creds.acl_lines[:-1],
        }
        if as_json:
            emit_json(out)
            return
        console.print(
            f"gateway {name}: password {creds.password} (shown once; give it to the gateway)",
            markup=False,
        )
        if not password_file:
            console.print(f"password file line:\n{creds.password_line}", markup=False)
        if not acl_file:
            console.print("ACL lines:\n" + "\n".join(creds.acl_lines), markup=False)
        console.print("reload the broker (SIGHUP) to apply", markup=False)

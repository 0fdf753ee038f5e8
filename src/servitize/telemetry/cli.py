"""``servitize telemetry``, ``servitize availability``, ``consent``, ``downtime`` and the imports."""

from __future__ import annotations

import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from servitize.core.console import cli_session, console, emit_json, refusal, say
from servitize.core.errors import InvalidInput, ServitizeError
from servitize.core.lazy import lazy
from servitize.core.settings import Settings
from servitize.telemetry import cli_trust, consent_cli
from servitize.trust import audit

if TYPE_CHECKING:
    from servitize.telemetry.machines import Machine
    from servitize.telemetry.store import TelemetryStore

# pyarrow, Ibis, fpdf and openpyxl load when a command runs, not for `servitize --help`.
availability = lazy("servitize.telemetry.availability")
azure = lazy("servitize.telemetry.azure")
consent = lazy("servitize.telemetry.consent")
downtime = lazy("servitize.telemetry.downtime")
importing = lazy("servitize.telemetry.importing")
listening = lazy("servitize.telemetry.listener")
paho_speed = lazy("servitize.telemetry.paho_speed")
machine_list = lazy("servitize.telemetry.machines")
records = lazy("servitize.telemetry.records")
service = lazy("servitize.telemetry.service")
stats = lazy("servitize.telemetry.stats")
store = lazy("servitize.telemetry.store")


def _moment(text: str, option: str = "") -> datetime:
    """An ISO date or time (UTC when it names no zone); ValueError naming the option."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option or 'date'}: not an ISO date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store() -> TelemetryStore:
    return store.TelemetryStore(Settings().telemetry_dir)


def _machines() -> dict[str, Machine]:
    with cli_session() as session:
        return machine_list.machines(session)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the telemetry, availability, consent and downtime commands and the telemetry imports."""
    tele = typer.Typer(no_args_is_help=True, help="Status events and measurements from machines.")
    app.add_typer(tele, name="telemetry")

    @tele.command("listen")
    def listen(
        client_id: Annotated[
            str, typer.Option(help="fixed id: the broker keeps its session")
        ] = "servitize-telemetry",
        topic: str = "servitize/+/+/+",
        batch_size: int = 10_000,
        max_delay: Annotated[
            float, typer.Option(help="seconds a message may wait for its batch")
        ] = 0.5,
    ) -> None:
        """Subscribe to the broker and store every reading; stops cleanly on SIGINT/SIGTERM."""
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
        try:
            config = replace(
                cli_trust.listener_config(Settings()),
                client_id=client_id,
                topic=topic,
                batch_size=batch_size,
                max_delay_s=max_delay,
            )
            paho_speed.install()  # faster MQTT v5 properties, on the paho it was written for
            listener = listening.Listener(_store(), _machines, config)
            console.print(
                f"listening on {listening.redact(config.url)} ({topic}) as {client_id}",
                markup=False,
            )
            result = listener.run(lambda: stop["now"])
        except (listening.ListenerBusy, InvalidInput) as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        emit_json(result.as_dict())

    cli_trust.register(tele)

    @tele.command("stats")
    def show_stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Stored status events and measurements per serial, dead letters by reason."""
        data = stats.stats(_store())
        if as_json:
            emit_json(data)
            return
        for serial, counts in data["per_serial"].items():
            say(f"{serial}: {counts['status']} status events, {counts['measure']} measurements")
        say(f"dead letters: {data['dead_letters']}")

    @tele.command("compact")
    def compact() -> None:
        """Rewrite every month with one row per key (idempotent)."""
        store = _store()
        for kind in ("status", "measure"):
            for month in store.months(kind):
                rows = store.compact(kind, month)
                say(f"{kind} {month}: {rows} rows")

    @app.command("availability")
    def availability_cmd(
        period: Annotated[str | None, typer.Option(help="the month, YYYY-MM")] = None,
        month: Annotated[str | None, typer.Option(hidden=True, help="old name of --period")] = None,
        source: Annotated[str, typer.Option(help="status or service_events")] = "status",
        purpose: str = "contract_verification",
        horizon_days: Annotated[
            float, typer.Option(help="how long a state holds without news")
        ] = 7.0,
        repair_hours: float = 8.0,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Availability, downtime, planned maintenance, failures, MTBF and MTTR per serial."""
        month = period or month
        if not month:
            console.print("[red]error:[/] --period: give the month, YYYY-MM")
            raise typer.Exit(2)
        try:
            span = availability.month_period(month)
            options = service.Options(
                source=source,
                purpose=purpose,
                horizon=timedelta(days=horizon_days),
                repair_hours=repair_hours,
                expected_interval_s=Settings().telemetry_expected_interval_s,
            )
            with cli_session() as session:
                rows = service.compute(session, _store(), span, options)
                missing = service.without_agreement(session, _store(), purpose)
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
            raise typer.Exit(2) from None
        hint = service.agreement_hint(missing, purpose)
        if hint:  # never an empty answer in silence
            console.print(f"[yellow]note:[/] {hint}")
        if as_json:
            emit_json(
                {
                    "period": month,
                    "month": month,
                    "assets": rows,
                    "without_agreement": missing,
                    "hint": hint,
                }
            )
            return
        for r in rows:
            say(
                f"{r['serial']}: availability {r['availability']}, down {r['downtime_hours']} h, "
                f"failures {r['failures']}"
            )

    consent_app = typer.Typer(no_args_is_help=True, help="Data-sharing agreements (audited).")
    app.add_typer(consent_app, name="consent")
    consent_cli.register_consent(consent_app)  # list, change, record

    @consent_app.command("grant")
    def grant(
        account: Annotated[str, typer.Argument(help="the account's external id or id")],
        kind: Annotated[list[str], typer.Option(help="status, usage, energy, process")],
        purpose: Annotated[
            list[str],
            typer.Option(
                help="contract_verification, service_offers, product_development, billing"
            ),
        ],
        valid_from: Annotated[str, typer.Option(help="ISO date or time, UTC")] = "2000-01-01",
        valid_to: Annotated[str | None, typer.Option(help="ISO date or time, UTC")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Record what an account agreed to share, for which purposes."""
        try:
            with cli_session() as session:
                account_id = records.account_id_of(session, account)
                agreement = consent.record_agreement(
                    session,
                    audit.Actor("cli"),
                    account_id,
                    kind,
                    purpose,
                    _moment(valid_from, "--valid-from"),
                    _moment(valid_to, "--valid-to") if valid_to else None,
                )
                out = consent.agreement_dict(agreement)
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
            raise typer.Exit(2) from None
        emit_json(out) if as_json else say(f"agreement {out['id']} recorded")

    @consent_app.command("revoke")
    def revoke(agreement_id: int) -> None:
        """End an agreement now; the next computation no longer uses the data."""
        try:
            with cli_session() as session:
                consent.revoke(session, audit.Actor("cli"), agreement_id)
        except ServitizeError as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        say(f"agreement {agreement_id} revoked")

    _register_downtime(app)

    @import_app.command("telemetry")
    def import_telemetry(
        path: Path,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        encoding: Annotated[
            str,
            typer.Option(
                "--encoding", help="the CSV file's text encoding (utf-8, cp1252, latin-1, ...)"
            ),
        ] = "utf-8",
    ) -> None:
        """Status events and measurements from a CSV or Parquet file."""
        try:
            result = importing.import_file(
                path, _store(), _machines(), limits=cli_trust.limits(Settings()), encoding=encoding
            )
        except ServitizeError as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        if as_json:
            emit_json(result.__dict__)
        else:
            say(f"read {result.read}, landed {result.landed}, rejected {result.rejected}")
        raise typer.Exit(3 if result.rejected else 0)

    @import_app.command("azure-pdm")
    def import_azure(
        folder: Path,
        repair_hours: float = 8.0,
        maintenance_hours: float = 4.0,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The Azure Predictive Maintenance sample data set from a folder (every file is checked
        first: a fault answers with its file, line and reason, exit 2, and nothing is stored)."""
        from servitize.telemetry.azure_check import check_folder

        try:
            check_folder(folder)
        except ServitizeError as exc:
            raise _fail(exc) from None
        with cli_session() as session:
            result = azure.import_dir(session, _store(), folder, repair_hours, maintenance_hours)
        if as_json:
            emit_json(result.__dict__)
        else:
            say(result)


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
    return typer.Exit(2)


def _register_downtime(app: typer.Typer) -> None:
    """``servitize downtime add`` and ``servitize downtime edit`` (audited)."""
    down = typer.Typer(
        no_args_is_help=True, help="Downtime records: add, reclassify, exclude (audited)."
    )
    app.add_typer(down, name="downtime")

    @down.command("add")
    def add(
        serial: Annotated[str, typer.Argument(help="the machine's serial")],
        start: Annotated[str, typer.Option(help="ISO time, UTC")],
        end: Annotated[str, typer.Option(help="ISO time, UTC")],
        planned: bool = False,
        excluded: bool = False,
        cause: str | None = None,
        note: str | None = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Record a downtime period of a machine."""
        try:
            with cli_session() as session:
                d = downtime.add_downtime(
                    session,
                    audit.Actor("cli"),
                    records.only_machine_with_serial(session, serial),
                    _moment(start, "--start"),
                    _moment(end, "--end"),
                    planned=planned,
                    cause=cause,
                    excluded=excluded,
                    note=note,
                )
                out = downtime.downtime_out(d)
        except (ServitizeError, ValueError) as exc:
            raise _fail(exc) from exc
        emit_json(out) if as_json else say(f"downtime {out['id']} recorded")

    @down.command("edit")
    def edit(
        downtime_id: int,
        start: Annotated[str | None, typer.Option(help="ISO time, UTC")] = None,
        end: Annotated[str | None, typer.Option(help="ISO time, UTC")] = None,
        planned: Annotated[bool | None, typer.Option("--planned/--unplanned")] = None,
        excluded: Annotated[bool | None, typer.Option("--excluded/--included")] = None,
        cause: str | None = None,
        note: str | None = None,
        version: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="the version the change was made on (--json shows it): refused when it changed since",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Change a downtime period; only the options given change."""
        changes: dict[str, object] = {
            k: v
            for k, v in {
                "start": _moment(start, "--start") if start else None,
                "end": _moment(end, "--end") if end else None,
                "planned": planned,
                "excluded": excluded,
                "cause": cause,
                "note": note,
            }.items()
            if v is not None
        }
        try:
            with cli_session() as session:
                d = downtime.edit_downtime(
                    session, audit.Actor("cli"), downtime_id, version=version, **changes
                )
                out = downtime.downtime_out(d)
        except (ServitizeError, ValueError) as exc:
            raise _fail(exc) from exc
        emit_json(out) if as_json else say(f"downtime {downtime_id} changed")

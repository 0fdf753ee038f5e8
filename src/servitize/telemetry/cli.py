"""``servitize telemetry``, ``servitize availability``, ``servitize contracts`` and the imports."""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select

from servitize.core.console import cli_session, console, emit_json
from servitize.core.errors import InvalidInput, NotFound, ServitizeError
from servitize.core.lazy import lazy
from servitize.core.money import to_cents
from servitize.core.settings import Settings
from servitize.installed_base.models import Account, Asset
from servitize.telemetry import cli_trust
from servitize.telemetry.models import AvailabilityContract
from servitize.trust import audit

if TYPE_CHECKING:
    from servitize.telemetry.machines import Machine
    from servitize.telemetry.store import TelemetryStore

# pyarrow, Ibis, fpdf and openpyxl load when a command runs, not for `servitize --help`.
availability = lazy("servitize.telemetry.availability")
azure = lazy("servitize.telemetry.azure")
consent = lazy("servitize.telemetry.consent")
contracts = lazy("servitize.telemetry.contracts")
downtime = lazy("servitize.telemetry.downtime")
importing = lazy("servitize.telemetry.importing")
listening = lazy("servitize.telemetry.listener")
machine_list = lazy("servitize.telemetry.machines")
report_files = lazy("servitize.telemetry.report_files")
rp = lazy("servitize.telemetry.report")
service = lazy("servitize.telemetry.service")
stats = lazy("servitize.telemetry.stats")
store = lazy("servitize.telemetry.store")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store() -> TelemetryStore:
    return store.TelemetryStore(Settings().telemetry_dir)


def _machines() -> dict[str, Machine]:
    with cli_session() as session:
        return machine_list.machines(session)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add the telemetry, availability and contracts commands and the telemetry imports."""
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
            console.print(
                f"{serial}: {counts['status']} status events, {counts['measure']} measurements"
            )
        console.print(f"dead letters: {data['dead_letters']}")

    @tele.command("compact")
    def compact() -> None:
        """Rewrite every month with one row per key (idempotent)."""
        store = _store()
        for kind in ("status", "measure"):
            for month in store.months(kind):
                rows = store.compact(kind, month)
                console.print(f"{kind} {month}: {rows} rows")

    @app.command("availability")
    def availability_cmd(
        month: Annotated[str, typer.Option(help="YYYY-MM")],
        source: Annotated[str, typer.Option(help="status or service_events")] = "status",
        purpose: str = "contract_verification",
        horizon_days: Annotated[
            float, typer.Option(help="how long a state holds without news")
        ] = 7.0,
        repair_hours: float = 8.0,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Availability, downtime, planned maintenance, failures, MTBF and MTTR per serial."""
        try:
            period = availability.month_period(month)
            options = service.Options(
                source=source,
                purpose=purpose,
                horizon=timedelta(days=horizon_days),
                repair_hours=repair_hours,
            )
            with cli_session() as session:
                rows = service.compute(session, _store(), period, options)
                missing = service.without_agreement(session, _store(), purpose)
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
            raise typer.Exit(2) from None
        hint = service.agreement_hint(missing, purpose)
        if hint:  # never an empty answer in silence
            console.print(f"[yellow]note:[/] {hint}")
        if as_json:
            emit_json({"month": month, "assets": rows, "without_agreement": missing, "hint": hint})
            return
        for r in rows:
            console.print(
                f"{r['serial']}: availability {r['availability']}, down {r['downtime_hours']} h, "
                f"failures {r['failures']}"
            )

    consent_app = typer.Typer(no_args_is_help=True, help="Data-sharing agreements (audited).")
    app.add_typer(consent_app, name="consent")

    @consent_app.command("grant")
    def grant(
        account: Annotated[str, typer.Argument(help="the account's external id")],
        kind: Annotated[list[str], typer.Option(help="status, usage, energy, process")],
        purpose: Annotated[
            list[str],
            typer.Option(help="contract_verification, service_offers, product_development"),
        ],
        valid_from: Annotated[str, typer.Option(help="ISO date or time, UTC")] = "2000-01-01",
        valid_to: Annotated[str | None, typer.Option(help="ISO date or time, UTC")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Record what an account agreed to share, for which purposes."""
        try:
            with cli_session() as session:
                account_id = session.scalar(
                    select(Account.id).where(Account.external_id == account)
                )
                if account_id is None:
                    raise NotFound(f"account {account!r} not found")
                agreement = consent.record_agreement(
                    session,
                    audit.Actor("cli"),
                    account_id,
                    kind,
                    purpose,
                    _moment(valid_from),
                    _moment(valid_to) if valid_to else None,
                )
                out = consent.agreement_dict(agreement)
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
            raise typer.Exit(2) from None
        emit_json(out) if as_json else console.print(f"agreement {out['id']} recorded")

    @consent_app.command("revoke")
    def revoke(agreement_id: int) -> None:
        """End an agreement now; the next computation no longer uses the data."""
        try:
            with cli_session() as session:
                consent.revoke(session, audit.Actor("cli"), agreement_id)
        except ServitizeError as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        console.print(f"agreement {agreement_id} revoked")

    contracts_app = typer.Typer(no_args_is_help=True, help="Availability contracts.")
    app.add_typer(contracts_app, name="contracts")

    @contracts_app.command("evaluate")
    def evaluate(
        period: Annotated[str, typer.Option(help="YYYY-MM")],
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Measured availability, band and penalty/bonus per contract, with the evidence."""
        try:
            with cli_session() as session:
                results = contracts.evaluate_all(
                    session, _store(), availability.month_period(period)
                )
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
            raise typer.Exit(2) from None
        if as_json:
            emit_json({"period": period, "contracts": results})
            return
        for r in results:
            console.print(
                f"{r['contract']}: {r['measured_pct']} % ({r['result']}) {r['amount']} {r['currency']}"
            )

    _register_reports(contracts_app)
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
            console.print(f"read {result.read}, landed {result.landed}, rejected {result.rejected}")
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
            console.print(str(result))


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/] {getattr(exc, 'message', exc)}")
    return typer.Exit(2)


def _contract(session, ref: str) -> AvailabilityContract:
    """A contract by id or external id."""
    contract = (
        session.get(AvailabilityContract, int(ref)) if ref.isdigit() else None
    ) or session.scalar(select(AvailabilityContract).where(AvailabilityContract.external_id == ref))
    if contract is None:
        raise NotFound(f"contract {ref!r} not found")
    return contract


def _register_reports(contracts_app: typer.Typer) -> None:
    """``servitize contracts create`` and ``servitize contracts report``."""

    @contracts_app.command("create")
    def create(
        account: Annotated[str, typer.Argument(help="the account's external id")],
        target: Annotated[float, typer.Option(help="target availability in percent, e.g. 98")],
        fee: Annotated[str, typer.Option(help="fee per period in major units, e.g. 10000")],
        external_id: Annotated[
            str | None, typer.Option(help="contract number (default AV-<account>)")
        ] = None,
        name: str = "Availability contract",
        serial: Annotated[
            list[str] | None, typer.Option(help="covered serials (default: all of the account's)")
        ] = None,
        calendar: Annotated[
            str,
            typer.Option(
                help='"24/7" or JSON, e.g. {"kind": "shifts", "weekdays": [0,1,2,3,4], "start": "06:00", "end": "22:00"}'
            ),
        ] = "24/7",
        currency: str = "EUR",
        penalty_pct: Annotated[
            float, typer.Option(help="percent of the fee per step below target")
        ] = 0.0,
        penalty_step: Annotated[float, typer.Option(help="points per penalty step")] = 0.5,
        penalty_cap: Annotated[float, typer.Option(help="penalty cap, percent of the fee")] = 0.0,
        bonus_pct: float = 0.0,
        bonus_step: float = 0.5,
        bonus_cap: float = 0.0,
        min_coverage: Annotated[
            float,
            typer.Option(
                help="percent of scheduled hours that must be known for a month to settle"
            ),
        ] = 90.0,
        silence_after_down: Annotated[
            str,
            typer.Option(
                help='a silent machine after "down": "down" until '
                'the next event, or "unknown" after 7 days'
            ),
        ] = "down",
        valid_from: Annotated[str, typer.Option(help="ISO date or time, UTC")] = "2000-01-01",
        valid_to: Annotated[str | None, typer.Option(help="ISO date or time, UTC")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Add an availability contract (audited)."""
        try:
            cal = {"kind": "24/7"} if calendar == "24/7" else json.loads(calendar)
            if not isinstance(cal, dict) or cal.get("kind") not in ("24/7", "shifts"):
                raise InvalidInput('calendar must be "24/7" or a JSON object with kind "shifts"')
            with cli_session() as session:
                acc = session.scalar(select(Account).where(Account.external_id == account))
                if acc is None:
                    raise NotFound(f"account {account!r} not found")
                known = set(session.scalars(select(Asset.serial).where(Asset.account_id == acc.id)))
                unknown = sorted(set(serial or []) - known)
                if unknown:
                    raise InvalidInput(f"not serials of {account}: {', '.join(unknown)}")
                contract = contracts.create_contract(
                    session,
                    audit.Actor("cli"),
                    external_id=external_id or f"AV-{account}",
                    account_id=acc.id,
                    name=name,
                    target_pct=target,
                    calendar=cal,
                    fee_cents=to_cents(fee),
                    currency=currency,
                    penalty_pct_per_step=penalty_pct,
                    penalty_step_points=penalty_step,
                    penalty_cap_pct=penalty_cap,
                    bonus_pct_per_step=bonus_pct,
                    bonus_step_points=bonus_step,
                    bonus_cap_pct=bonus_cap,
                    min_coverage_pct=min_coverage,
                    silence_after_down=silence_after_down,
                    serials=sorted(serial) if serial else None,
                    valid_from=_moment(valid_from),
                    valid_to=_moment(valid_to) if valid_to else None,
                )
                out = {
                    "id": contract.id,
                    "external_id": contract.external_id,
                    "account": account,
                    "serials": contracts.contract_serials(session, contract),
                }
        except (ServitizeError, ValueError) as exc:
            raise _fail(exc) from exc
        emit_json(out) if as_json else console.print(
            f"contract {out['external_id']} (id {out['id']}) covers {len(out['serials'])} machines"
        )

    @contracts_app.command("report")
    def report_cmd(
        contract_ref: Annotated[
            str, typer.Argument(metavar="ID", help="contract id or external id")
        ],
        period: Annotated[str | None, typer.Option(help="YYYY-MM (default: last month)")] = None,
        months: Annotated[
            int | None, typer.Option(help="months in the trend (default: the report's six)")
        ] = None,
        pdf: Annotated[Path | None, typer.Option(help="write the PDF here")] = None,
        xlsx: Annotated[
            Path | None, typer.Option(help="write the trend window's tables here")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The monthly operation report of a contract: PDF, XLSX, JSON or a summary."""
        try:
            month = rp.parse_month(period or rp.last_complete_month())
            with cli_session() as session:
                contract = _contract(session, contract_ref)
                r = rp.build_report(
                    session,
                    _store(),
                    contract,
                    month,
                    rp.DEFAULT_MONTHS if months is None else months,
                    supplier=Settings().company_name,
                )
                if xlsx:
                    results, stops = rp.tables(
                        session, _store(), contract, [m.month for m in r.trend]
                    )
                    xlsx.write_bytes(report_files.tables_xlsx(results, stops))
            if pdf:
                pdf.write_bytes(report_files.report_pdf(r))
        except (ServitizeError, ValueError, OSError) as exc:
            raise _fail(exc) from exc
        if as_json:
            emit_json(r.as_dict())
            return
        m = r.result
        console.print(
            f"{r.contract} {r.account} {month}: {report_files.pct(m.availability_pct)} (target "
            f"{m.target_pct:g} %), {m.result or rp.band_label(m.band)} {report_files.money(m.amount, m.currency, True)}, "
            f"{len(r.downtime)} downtime events"
        )
        for path in (pdf, xlsx):
            if path:
                console.print(f"wrote {path}")


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
                asset_ids = list(session.scalars(select(Asset.id).where(Asset.serial == serial)))
                if len(asset_ids) != 1:
                    raise NotFound(f"no single machine with serial {serial!r}")
                d = downtime.add_downtime(
                    session,
                    audit.Actor("cli"),
                    asset_ids[0],
                    _moment(start),
                    _moment(end),
                    planned=planned,
                    cause=cause,
                    excluded=excluded,
                    note=note,
                )
                out = downtime.downtime_out(d)
        except (ServitizeError, ValueError) as exc:
            raise _fail(exc) from exc
        emit_json(out) if as_json else console.print(f"downtime {out['id']} recorded")

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
                "start": _moment(start) if start else None,
                "end": _moment(end) if end else None,
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
        emit_json(out) if as_json else console.print(f"downtime {downtime_id} changed")

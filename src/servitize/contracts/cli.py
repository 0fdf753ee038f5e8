"""``servitize contracts``: create availability contracts, evaluate them, their monthly report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from servitize.core.console import cli_session, console, emit_json, refusal, say, words
from servitize.core.errors import InvalidInput, ServitizeError
from servitize.core.lazy import lazy
from servitize.core.settings import Settings
from servitize.kit.money import to_cents
from servitize.trust import audit

if TYPE_CHECKING:
    from servitize.telemetry.store import TelemetryStore

# pyarrow, Ibis, fpdf and openpyxl load when a command runs, not for `servitize --help`.
availability = lazy("servitize.telemetry.availability")
contracts = lazy("servitize.contracts.service")
report_files = lazy("servitize.contracts.report_files")
rp = lazy("servitize.contracts.report")
store = lazy("servitize.telemetry.store")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store(settings: Settings) -> TelemetryStore:
    return store.TelemetryStore(settings.telemetry_dir)


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
    return typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``servitize contracts``: create, evaluate, report."""
    contracts_app = typer.Typer(no_args_is_help=True, help="Availability contracts.")
    app.add_typer(contracts_app, name="contracts")

    @contracts_app.command("evaluate")
    def evaluate(
        period: Annotated[str, typer.Option(help="YYYY-MM")],
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Measured availability, band and penalty/bonus per contract, with the evidence."""
        settings = Settings()
        try:
            with cli_session() as session:
                results = contracts.evaluate_all(
                    session,
                    _store(settings),
                    availability.month_period(period),
                    expected_interval_s=settings.telemetry_expected_interval_s,
                )
        except (ServitizeError, ValueError) as exc:
            console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
            raise typer.Exit(2) from None
        if as_json:
            emit_json({"period": period, "contracts": [r.as_dict() for r in results]})
            return
        for r in results:
            measured = "not measurable" if r.measured_pct is None else f"{r.measured_pct} %"
            say(f"{r.contract}: {measured} ({words(r.result)}) {words(r.amount)} {r.currency}")

    _register_reports(contracts_app)


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
                contract, covered = contracts.create_for_account(
                    session,
                    audit.Actor("cli"),
                    account,
                    serial,
                    external_id=external_id or f"AV-{account}",
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
                    valid_from=_moment(valid_from),
                    valid_to=_moment(valid_to) if valid_to else None,
                )
                out = {
                    "id": contract.id,
                    "external_id": contract.external_id,
                    "account": account,
                    "serials": covered,
                }
        except (ServitizeError, ValueError) as exc:
            raise _fail(exc) from exc
        emit_json(out) if as_json else say(
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
        settings = Settings()
        interval = settings.telemetry_expected_interval_s
        try:
            month = rp.parse_month(period or rp.last_complete_month())
            with cli_session() as session:
                contract = contracts.contract_by_ref(session, contract_ref)
                r = rp.build_report(
                    session,
                    _store(settings),
                    contract,
                    month,
                    rp.DEFAULT_MONTHS if months is None else months,
                    supplier=settings.company_name,
                    expected_interval_s=interval,
                )
                if xlsx:
                    results, stops = rp.tables(
                        session,
                        _store(settings),
                        contract,
                        [m.month for m in r.trend],
                        expected_interval_s=interval,
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
        say(
            f"{r.contract} {r.account} {month}: {report_files.pct(m.availability_pct)} (target "
            f"{m.target_pct:g} %), {m.result or rp.band_label(m.band)} {report_files.money(m.amount, m.currency, True)}, "
            f"{len(r.downtime)} downtime events"
        )
        for path in (pdf, xlsx):
            if path:
                say(f"wrote {path}")

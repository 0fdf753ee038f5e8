"""``servitize billing`` (run a month, close it, export its lines) and ``servitize quotes``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer

from servitize.core.cells import safe_row
from servitize.core.console import console, emit_json
from servitize.core.lazy import lazy
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

# The telemetry store, Ibis and pyarrow load when a command runs, not for ``servitize --help``.
billing = lazy("servitize.offers.billing")
metering = lazy("servitize.offers.metering")
quotes = lazy("servitize.offers.quotes")
lifecycle = lazy("servitize.offers.lifecycle")
repo = lazy("servitize.offers.repository")
store_module = lazy("servitize.telemetry.store")


AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add ``servitize billing``, ``servitize quotes`` and ``servitize import meter-readings``."""
    from servitize.offers import readings_cli

    readings_cli.register(import_app)
    billing_app = typer.Typer(no_args_is_help=True, help="Billing lines per contract and month.")
    app.add_typer(billing_app, name="billing")

    @billing_app.command("run")
    def run(
        period: Annotated[str, typer.Option(help="the month to bill, YYYY-MM (a finished one)")],
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """Bill a finished month: fees, usage, penalties and bonuses, one-time items. A re-run
        writes only what is missing; a closed month is refused."""
        from rich.progress import Progress

        def work(ctx: Context) -> Any:
            store = store_module.TelemetryStore(ctx.settings.telemetry_dir)
            purpose = ctx.settings.offers.billing_purpose
            with Progress(console=console, transient=True, disable=as_json) as bar:
                task = bar.add_task(f"billing {period}", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return billing.run(
                    ctx,
                    period,
                    metering.telemetry_meter(ctx.session, store, purpose),
                    metering.availability_settlement(ctx.session, store),
                    progress,
                )

        result = run_in_context(work, as_user, as_json)
        summary = {
            "period": result.period,
            "contracts": result.contracts,
            "written": len(result.written),
            "already": result.already,
            "total": {k: f"{v / 100:.2f}" for k, v in result.total_cents.items()},
        }
        if as_json:
            emit_json(summary)
            return
        totals = ", ".join(f"{v} {k}" for k, v in summary["total"].items()) or "nothing"
        console.print(
            f"{period}: {summary['contracts']} contracts, {summary['written']} new lines "
            f"({totals}), {summary['already']} already billed"
        )

    @billing_app.command("close")
    def close(period: Annotated[str, typer.Option(help="YYYY-MM")], as_user: AsUser = None) -> None:
        """Lock a billed month: a correction is then a new line in an open month."""
        run_in_context(lambda ctx: billing.close(ctx, period), as_user)
        console.print(f"{period} is closed")

    @billing_app.command("lines")
    def lines(
        period: Annotated[str, typer.Option(help="YYYY-MM")],
        out: Annotated[
            Path | None, typer.Option(help="write a .csv or .parquet file instead of JSON lines")
        ] = None,
        as_user: AsUser = None,
    ) -> None:
        """The month's billing lines for the ERP: JSON lines, or a CSV/Parquet file."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            from servitize.installed_base.access import visible_account_ids
            from servitize.offers.proration import month_span

            month_span(period)
            found = repo.billing_lines_visible(
                ctx.session, visible_account_ids(ctx.user), period, None, 10**9, 0
            )
            return [billing.line_row(x) for x in found]

        rows = run_in_context(work, as_user)
        if out is None:
            for row in rows:
                emit_json(row)
            return
        if out.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = (
                pa.Table.from_pylist(rows)
                if rows
                else pa.table({c: [] for c in billing.LINE_COLUMNS})
            )
            pq.write_table(table, out)
        elif out.suffix == ".csv":
            with out.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(billing.LINE_COLUMNS)
                for row in rows:
                    writer.writerow(safe_row([row[c] for c in billing.LINE_COLUMNS]))
        else:
            console.print("[red]error:[/] --out: write a .csv or a .parquet file")
            raise typer.Exit(2)
        console.print(f"{len(rows)} lines of {period} written to {out}")

    quotes_app = typer.Typer(no_args_is_help=True, help="Quotes and what they sold.")
    app.add_typer(quotes_app, name="quotes")

    @quotes_app.command("list")
    def list_quotes(as_user: AsUser = None) -> None:
        """Quotes of the accounts you may see, newest first, as JSON lines."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            return [quotes.read(ctx, q).model_dump(mode="json") for q in quotes.listing(ctx)]

        for row in run_in_context(work, as_user):
            emit_json(row)

    @quotes_app.command("show")
    def show(quote_id: int, as_user: AsUser = None) -> None:
        """One quote with its lines and totals (JSON)."""
        emit_json(
            run_in_context(
                lambda ctx: quotes.read(ctx, quotes.visible_quote(ctx, quote_id)).model_dump(
                    mode="json"
                ),
                as_user,
            )
        )

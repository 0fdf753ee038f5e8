"""``servitize billing`` (run a month, close it, export its lines) and ``servitize quotes``."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from servitize.core.cells import safe_row
from servitize.core.console import console, emit_json, say
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
            Path | None, typer.Option(help="write a .csv or .parquet file for the ERP")
        ] = None,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """The month's billing lines: one line each with the month's total (--json: JSON lines;
        --out: a CSV or Parquet file for the ERP)."""

        def work(ctx: Context) -> tuple[list[dict[str, Any]], dict[int, str]]:
            from servitize.installed_base import repository as ib
            from servitize.installed_base.access import visible_account_ids
            from servitize.offers.proration import month_span

            month_span(period)
            found = repo.billing_lines_visible(
                ctx.session, visible_account_ids(ctx.user), period, None, 10**9, 0
            )
            names = ib.account_names(ctx.session, {x.account_id for x in found})
            return [billing.line_row(x) for x in found], names

        rows, names = run_in_context(work, as_user)
        if out is None:
            if as_json:
                for row in rows:
                    emit_json(row)
                return
            say(_line_words(period, rows, names))
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
    def list_quotes(as_user: AsUser = None, as_json: Json = False) -> None:
        """Quotes of the accounts you may see, newest first: one line each (--json: JSON
        lines)."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            return [quotes.read(ctx, q).model_dump(mode="json") for q in quotes.listing(ctx)]

        rows = run_in_context(work, as_user)
        if as_json:
            for row in rows:
                emit_json(row)
            return
        say(f"{len(rows)} quote{'' if len(rows) == 1 else 's'}")
        for q in rows:
            say(_quote_line(q))

    @quotes_app.command("show")
    def show(quote_id: int, as_user: AsUser = None, as_json: Json = False) -> None:
        """One quote with its lines and totals, in words (--json: JSON)."""
        quote = run_in_context(
            lambda ctx: quotes.read(ctx, quotes.visible_quote(ctx, quote_id)).model_dump(
                mode="json"
            ),
            as_user,
        )
        if as_json:
            emit_json(quote)
            return
        say(_quote_words(quote))


def _money(amount: str | None, currency: str) -> str:
    """An amount of the API's text ("1234.50") as a person reads it: 1,234.50 EUR."""
    if amount in (None, ""):
        return "none"
    return f"{Decimal(amount):,.2f} {currency}"


def _quote_line(q: dict[str, Any]) -> str:
    """A quote in one line: number, title, status, value, valid until."""
    totals = q["totals"]
    value = _money(totals["contract_value"], totals["currency"])
    status = str(q["status"]).replace("_", " ")
    return (
        f"{q['number']} r{q['revision']}  {q['title']}  {status}  {value}  "
        f"valid until {q['valid_until']}"
    )


def _quote_words(q: dict[str, Any]) -> list[str]:
    """A quote as lines a person reads: what, for whom, the lines, the totals, the clause."""
    totals = q["totals"]
    cur = totals["currency"]
    out = [
        _quote_line(q),
        f"account {q['account_id']}"
        + (f", opportunity {q['opportunity_id']}" if q["opportunity_id"] else ""),
    ]
    for ln in q["lines"]:
        bundle = f" (bundle {ln['bundle']})" if ln["bundle"] else ""
        out.append(f"  {ln['quantity']} x {ln['name']}: {ln['price']}{bundle}")
    out.append(
        f"one time {_money(totals['one_time'], cur)}; monthly "
        f"{_money(totals['monthly_recurring'], cur)}; {totals['term_months']} months; "
        f"contract value {_money(totals['contract_value'], cur)}"
    )
    if q.get("clause_words"):
        out.append(q["clause_words"])
    if q.get("approved_by"):
        out.append(f"approved by {q['approved_by']} on {str(q['approved_at'])[:10]}")
    if q.get("accepted_by"):
        out.append(f"accepted by {q['accepted_by']} on {str(q['accepted_at'])[:10]}")
    return out


def _line_words(period: str, rows: list[dict[str, Any]], names: dict[int, str]) -> list[str]:
    """A month's billing lines as lines a person reads, with the total per currency."""
    totals: dict[str, Decimal] = {}
    out = [f"{len(rows)} billing line{'' if len(rows) == 1 else 's'} of {period}"]
    for r in rows:
        totals[r["currency"]] = totals.get(r["currency"], Decimal(0)) + Decimal(r["amount"])
        where = (
            f"contract {r['contract_id']}"
            if r["contract_id"]
            else (f"quote {r['quote_id']}" if r["quote_id"] else "no contract")
        )
        billable = "" if r["billable"] else " (not billable)"
        out.append(
            f"{r['id']}  {names.get(r['account_id'], r['account_id'])}  {where}  {r['kind']}  "
            f"{r['description']}  "
            f"{_money(r['amount'], r['currency'])}{billable}"
        )
    for cur, total in sorted(totals.items()):
        out.append(f"total {_money(str(total), cur)}")
    return out

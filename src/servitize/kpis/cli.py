"""``servitize kpis``: measures of the sales organisation (the same figures as the pages and
``/api/v1/kpis``; ``--json`` prints the API's document)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from servitize.core.console import console, emit_json, say
from servitize.core.lazy import lazy
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

# The measures (numpy, scipy) load when a command runs, not for ``servitize --help``.
acquisition = lazy("servitize.kpis.acquisition")
lifetime = lazy("servitize.kpis.lifetime")
recurring = lazy("servitize.kpis.recurring")
scorecard_mod = lazy("servitize.kpis.scorecard")
spend = lazy("servitize.kpis.spend")
schemas = lazy("servitize.kpis.schemas")
period = lazy("servitize.kpis.period")
types_mod = lazy("servitize.kpis.types")
types_schemas = lazy("servitize.kpis.types_schemas")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
Json = Annotated[bool, typer.Option("--json", help="print JSON (the API's document)")]
Start = Annotated[str | None, typer.Option(help="first month, YYYY-MM (default: a year back)")]
End = Annotated[str | None, typer.Option(help="last month, YYYY-MM (default: last month)")]


def _print(doc: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        emit_json(doc)
        return
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


def _shown(f: dict[str, Any]) -> str:
    if f["value"] is None:
        return f"not computed: {f['reason']}"
    unit = (
        f["currency"]
        if f["unit"] == "money"
        else {"percent": "%", "count": ""}.get(f["unit"], f["unit"])
    )
    return f"{f['value']} {unit}".strip()


def register(app: typer.Typer) -> None:
    """Add ``servitize kpis``."""
    kpis_app = typer.Typer(
        no_args_is_help=True, help="Measures of the sales organisation: CLV, CAC, MRR, scorecard."
    )
    app.add_typer(kpis_app, name="kpis")

    @kpis_app.command("cac")
    def cac(
        start: Start = None,
        end: End = None,
        rule: Annotated[
            str, typer.Option(help="attribution of spend: first, last or linear")
        ] = "linear",
        grain: Annotated[str, typer.Option(help="period: month, quarter or year")] = "quarter",
        by: Annotated[
            str, typer.Option(help="channel, segment, org_type, owner, period or kind")
        ] = "channel",
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """CAC per new customer and per new revenue stream, direct and fully loaded, with CAC
        payback."""
        _choice("rule", rule, ("first", "last", "linear"))
        _choice("grain", grain, ("month", "quarter", "year"))
        _choice("by", by, ("channel", "segment", "org_type", "owner", "period", "kind"))

        def work(ctx: Context) -> dict[str, Any]:
            owner = period.owner_filter(ctx, None)
            win = period.window(start, end, ctx.today)
            report = acquisition.cac(ctx, win, rule, grain, by, owner)
            return schemas.cac(report).model_dump(mode="json")

        doc = run_in_context(work, as_user, as_json)
        lines = [f"CAC {doc['period']} by {doc['by']} ({doc['attribution_method']})"]
        for x in doc["lines"]:
            lines.append(
                f"  {x['key']}: {x['customers']} new customers, direct "
                f"{_shown(x['customer_cac_direct'])}, fully loaded "
                f"{_shown(x['customer_cac_loaded'])}; {x['streams']} new streams, direct "
                f"{_shown(x['stream_cac_direct'])}; payback {_shown(x['payback'])}"
            )
        lines += [f"  note: {n}" for n in doc["notes"]]
        _print(doc, as_json, lines)

    @kpis_app.command("mrr")
    def mrr(
        start: Start = None, end: End = None, as_user: AsUser = None, as_json: Json = False
    ) -> None:
        """MRR and ARR with their movements, net revenue retention, logo and revenue churn and
        cohort retention."""

        def work(ctx: Context) -> dict[str, Any]:
            owner = period.owner_filter(ctx, None)
            report = recurring.recurring(ctx, period.window(start, end, ctx.today), owner)
            return schemas.mrr(report).model_dump(mode="json")

        doc = run_in_context(work, as_user, as_json)
        lines = [
            f"{doc['period']}: MRR {_shown(doc['mrr'])}, ARR {_shown(doc['arr'])}",
            f"  net revenue retention {_shown(doc['net_revenue_retention'])}",
            f"  logo churn {_shown(doc['logo_churn'])}, revenue churn "
            f"{_shown(doc['revenue_churn'])}",
        ]
        for m in doc["months"]:
            lines.append(
                f"  {m['month']}: {m['opening']} + new {m['new']} + expansion {m['expansion']} "
                f"{m['contraction']} {m['churn']} + reactivation {m['reactivation']} = "
                f"{m['closing']}"
            )
        _print(doc, as_json, lines)

    @kpis_app.command("scorecard")
    def scorecard(
        start: Start = None, end: End = None, as_user: AsUser = None, as_json: Json = False
    ) -> None:
        """The one scorecard for sales and service."""

        def work(ctx: Context) -> dict[str, Any]:
            period.owner_filter(ctx, ctx.user.id if ctx.user.role == "account_owner" else None)
            card = scorecard_mod.scorecard(ctx, period.window(start, end, ctx.today))
            return schemas.scorecard(card).model_dump(mode="json")

        doc = run_in_context(work, as_user, as_json)
        lines = [f"Scorecard {doc['period']} (baseline {doc['baseline']})"]
        lines += [f"  {m['label']}: {_shown(m['figure'])}" for m in doc["measures"]]
        lines += [
            f"  recognition: {r['name']} closed {r['technician_leads_won']} technicians' leads"
            for r in doc["recognition"]
        ]
        _print(doc, as_json, lines)

    @kpis_app.command("clv")
    def clv(
        end: End = None,
        limit: Annotated[int, typer.Option(min=1, max=100_000, help="accounts listed")] = 20,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """Customer lifetime value per account (method named), and CLV/CAC by segment and
        organisation type."""

        def work(ctx: Context) -> dict[str, Any]:
            owner = period.owner_filter(ctx, None)
            report = lifetime.clv(ctx, period.window(None, end, ctx.today), owner, limit)
            return schemas.clv(report).model_dump(mode="json")

        doc = run_in_context(work, as_user, as_json)
        lines = [
            f"CLV as of {doc['as_of']} over {doc['horizon_months']} months at "
            f"{doc['discount_rate_pct']} % a year ({doc['accounts_valued']} accounts valued)"
        ]
        for a in doc["accounts"]:
            lines.append(f"  {a['account']}: {a['clv']} {doc['currency']}")
        for r in doc["clv_to_cac_by_segment"]:
            lines.append(f"  segment {r['group']}: CLV/CAC {_shown(r['clv_to_cac'])}")
        _print(doc, as_json, lines)

    @kpis_app.command("types")
    def types(
        start: Start = None,
        end: End = None,
        by: Annotated[
            str, typer.Option(help="also per segment, industry or country (default: none)")
        ] = "none",
        group: Annotated[str | None, typer.Option(help="only this value of --by")] = None,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """The organisation types side by side: CLV, CAC, CLV/CAC, conversion, sales cycle and
        attach rate, each with how many it rests on."""
        _choice("by", by, ("none", "segment", "industry", "country"))

        def work(ctx: Context) -> dict[str, Any]:
            owner = period.owner_filter(ctx, None)
            win = period.window(start, end, ctx.today)
            report = types_mod.compare(ctx, win, by, group, owner)
            return types_schemas.types_out(report).model_dump(mode="json")

        doc = run_in_context(work, as_user, as_json)
        lines = [
            f"Organisation types {doc['period']}"
            + ("" if doc["by"] == "none" else f" by {doc['by']}")
            + f" (fewer than {doc['min_count']}: too few to say)"
        ]
        for r in doc["rows"]:
            where = "" if r["group"] is None else f" · {r['group']}"
            lines.append(f"  {r['type_label']}{where}: {r['customers']} customers")
            for key, label in doc["measures"].items():
                f = r["figures"][key]
                lines.append(f"    {label}: {_shown(f)} (n = {f['count'] or 0})")
        if as_json:
            emit_json(doc)
            return
        for line in lines:  # plain words on standard output
            say(escape(line))

    @kpis_app.command("import-spend")
    def import_spend(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
        touches: Annotated[
            bool, typer.Option("--touches", help="the file holds touches (spend, account, day)")
        ] = False,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """Import campaigns, trade fairs and commissions (or their touches) from CSV."""
        text = file.read_text(encoding="utf-8")

        def work(ctx: Context) -> int:
            if touches:
                return spend.import_touches(ctx, text)
            return spend.import_spend(ctx, text)

        n = run_in_context(work, as_user, as_json)
        kind = "touches" if touches else "spend"
        _print({"kind": kind, "rows": n}, as_json, [f"imported {n} {kind} rows"])


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        console.print(f"[red]error:[/] --{name}: one of {', '.join(allowed)}")
        raise typer.Exit(2)

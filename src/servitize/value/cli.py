"""``servitize value-case``: the value case of an account's machines."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json
from servitize.core.lazy import lazy
from servitize.kit.cli import fail
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.value.service")


def _assumptions(pairs: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            fail(f"--assume: give NAME=NUMBER, not {pair!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            fail(f"{name.strip()}: {value!r} is not a number")
    return out


def register(app: typer.Typer) -> None:
    """Add ``servitize value-case``."""

    @app.command("value-case")
    def value_case(
        account: Annotated[str, typer.Argument(help="the account's number (or id)")],
        machines: Annotated[
            str | None,
            typer.Option(help="serials or machine numbers, comma-separated (default: all)"),
        ] = None,
        assume: Annotated[
            list[str] | None,
            typer.Option(help="an assumption NAME=NUMBER, e.g. downtime_cost_per_hour_cents=80000"),
        ] = None,
        pdf: Annotated[str | None, typer.Option(help="also write the customer's PDF here")] = None,
        as_user: Annotated[
            str | None, typer.Option("--as", help="act as this user (default: operator)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """The value case of an account's machines: savings, TCO, NPV, IRR, payback."""
        keys = [m.strip() for m in (machines or "").split(",") if m.strip()] or None
        entered = _assumptions(assume or [])

        def work(ctx: Context) -> dict[str, Any]:
            created = service.create_by_keys(ctx, account, keys, entered)
            found = service.report(ctx, created)
            if pdf:
                from pathlib import Path

                from servitize.value.pdf import case_pdf

                Path(pdf).write_bytes(case_pdf(found, ctx.settings.company_name))
            data: dict[str, Any] = found.as_dict()
            return data

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        cur = data["currency"]
        console.print(
            f"value case {data['id']} for {data['account']}: {data['machines']} machines, "
            f"savings {data['saving_cents_per_year'] / 100:,.2f} {cur} a year"
        )
        for s in data["savings"]:
            shown = "no data" if s["no_data"] else f"{s['saving_cents'] / 100:,.2f} {cur}"
            console.print(f"  {s['label']}: {shown} — {s['formula']}", soft_wrap=True)
        for p in data["prices"]:
            shown = "—" if p["cents"] is None else f"{p['cents'] / 100:,.2f} {cur}"
            console.print(f"  {p['label']}: {shown}")
        for a in data["alternatives"]:
            console.print(
                f"  {a['label']}: TCO {a['tco_cents'] / 100:,.2f}, NPV {a['npv_cents'] / 100:,.2f}"
            )

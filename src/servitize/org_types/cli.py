"""``servitize org types list|assign|end|explain|sellers``: the organisation types on the
command line (``--json`` for machines). The ``org`` group is made here; organisation adds its
commands to it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json
from servitize.core.lazy import lazy
from servitize.kit.cli import fail
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.org_types.service")
rules = lazy("servitize.org_types.rules")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]
BASES = ("account", "segment", "industry", "country")
DESKS = ("product", "service", "digital", "service_digital", "bundle", "subscription")


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--{field.replace('_', '-')}: {text!r} is not a date (YYYY-MM-DD)")


def _print_assignment(a: dict[str, Any]) -> None:
    until = f" until {a['valid_to']}" if a["valid_to"] else ""
    n = a["accounts_served"]
    mark = f" (in force, {n:,} account{'' if n == 1 else 's'})" if a["in_force"] else ""
    console.print(
        f"{a['id']:>5}  type {a['org_type']} for {a['group']} from {a['valid_from']}{until}"
        f"{mark}, assigned by {a['assigned_by']}: {a['reason']}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``servitize org`` group with ``types`` (organisation adds ``lab`` and
    ``simulate`` to the same group)."""
    org = typer.Typer(
        no_args_is_help=True,
        help="The sales organisation: its four types, who sells what and why.",
    )
    app.add_typer(org, name="org")
    types = typer.Typer(no_args_is_help=True, help="The four organisation types.")
    org.add_typer(types, name="types")

    @types.command("list")
    def list_types(as_user: AsUser = None, as_json: AsJson = False) -> None:
        """The four types (accounts served today) and every assignment."""

        def work(ctx: Context) -> dict[str, Any]:
            counts = service.counts(ctx)
            return {
                "types": [service.effects(n) | {"accounts": counts[n]} for n in rules.TYPE_NUMBERS],
                "default_type": ctx.settings.org_types.default_type,
                "assignments": [service.assignment_dict(a) for a in service.assignments(ctx)],
            }

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        for t in data["types"]:
            console.print(f"type {t['org_type']}: {t['name']} · {t['accounts']:,} accounts")
        console.print(f"company default: type {data['default_type']}")
        if not data["assignments"]:
            console.print("no assignment yet")
        for a in data["assignments"]:
            _print_assignment(a)

    @types.command("assign")
    def assign(
        org_type: Annotated[int, typer.Argument(help="the type, 1 to 4")],
        basis: Annotated[str, typer.Option(help="account, segment, industry or country")],
        value: Annotated[
            list[str],
            typer.Option(help="the segment, industry or country; account ids (repeat --value)"),
        ],
        reason: Annotated[str, typer.Option(help="why this group gets this type")],
        valid_from: Annotated[str | None, typer.Option(help="first day (default: today)")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Assign a type to a customer group from a day (audited)."""
        if basis not in BASES:
            fail("--basis: account, segment, industry or country")
        start = _day(valid_from, "valid_from")

        def work(ctx: Context) -> list[dict[str, Any]]:
            made = {m.id for m in service.assign(ctx, basis, value, org_type, start, reason)}
            return [
                service.assignment_dict(a) for a in service.assignments(ctx) if a.row.id in made
            ]

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        for a in data:
            _print_assignment(a)

    @types.command("end")
    def end(
        assignment_id: Annotated[int, typer.Argument(help="the assignment's number", min=1)],
        valid_to: Annotated[
            str | None, typer.Option(help="the first day it no longer applies (default: today)")
        ] = None,
        reason: Annotated[str | None, typer.Option(help="why it ends")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """End an assignment (audited)."""
        day = _day(valid_to, "valid_to")

        def work(ctx: Context) -> dict[str, Any]:
            row = service.end(ctx, assignment_id, day, reason)
            found: dict[str, Any] = next(
                service.assignment_dict(a) for a in service.assignments(ctx) if a.row.id == row.id
            )
            return found

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        _print_assignment(data)

    @types.command("explain")
    def explain(
        account_id: Annotated[int, typer.Argument(help="the account's number", min=1)],
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Which type serves an account today, why, and what the type decides."""

        def work(ctx: Context) -> dict[str, Any]:
            found: dict[str, Any] = service.explain(ctx, account_id).as_dict()
            return found

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        console.print(f"{data['account']}: served as type {data['org_type']}", soft_wrap=True)
        console.print(f"  why: {data['why']}", soft_wrap=True)
        effects = data["effects"]
        for family, desk in effects["owners_in_words"].items():
            console.print(f"  {family}: the {desk}")
        console.print(f"  quotes: {effects['quote_rule']}", soft_wrap=True)
        console.print(f"  process: {effects['process_template']}")
        if data["suggested_type"]:
            console.print(
                f"  segment '{data['segment']}' suggests type {data['suggested_type']}",
                soft_wrap=True,
            )
        if data["one_face"]:
            console.print(f"  one face: {data['one_face']}")
        if not data["rules_apply"]:
            console.print("  (the company default is shown, not enforced)")

    @types.command("sellers")
    def sellers(
        seat: Annotated[
            str | None, typer.Option(help="seat this user (username or id) at --desk")
        ] = None,
        desk: Annotated[str | None, typer.Option(help=", ".join(DESKS))] = None,
        territory: Annotated[
            str | None, typer.Option(help="the territory (default: every territory)")
        ] = None,
        remove: Annotated[int | None, typer.Option(help="remove this seat (its number)")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Who sits at which desk; --seat USER --desk DESK adds one, --remove N removes one."""
        if seat is not None and desk is None:
            fail("--desk: name the desk to seat the user at (" + ", ".join(DESKS) + ")")

        def work(ctx: Context) -> list[dict[str, Any]]:
            if seat is not None:
                service.seat(ctx, seat, desk or "", territory)
            if remove is not None:
                service.unseat(ctx, remove)
            return [service.seller_dict(s, u) for s, u in service.sellers(ctx)]

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        if not data:
            console.print("nobody seated: leads go to the account owner")
        for s in data:
            where = s["territory"] or "every territory"
            console.print(f"{s['id']:>5}  {s['desk_name']}: {s['name']} ({where})")

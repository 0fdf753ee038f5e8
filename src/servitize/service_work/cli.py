"""``servitize work``: work orders, scheduling and preventive-maintenance plans on the command
line. Human output is plain words; ``--json`` for machines; a refusal is one line naming the
field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json, stdout
from servitize.core.lazy import lazy
from servitize.kit.cli import fail
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.service_work.service")
dispatch = lazy("servitize.service_work.dispatch")
plans = lazy("servitize.service_work.plans")
alerts = lazy("servitize.service_work.alerts")
rules = lazy("servitize.service_work.rules")
repository = lazy("servitize.service_work.repository")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]
IdArg = Annotated[int, typer.Argument(min=1, max=2**63 - 1, help="the work order's id")]
IdOpt = Annotated[int | None, typer.Option(min=1, max=2**63 - 1)]


def out(text: str, soft_wrap: bool = True) -> None:
    """A line of a command's result for a person: standard output, as typed (no markup)."""
    stdout.print(text, markup=False, soft_wrap=soft_wrap)


def _day(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{name}: a date as YYYY-MM-DD, not {text!r}")


def _line(w: dict[str, Any]) -> str:
    parts = [w["number"], w["status"].replace("_", " "), w["title"]]
    if w.get("account"):
        parts.append(w["account"])
    if w.get("machine"):
        parts.append(w["machine"])
    if w.get("technician"):
        parts.append(f"by {w['technician']}")
    if w.get("due_on"):
        parts.append(f"due {w['due_on']}")
    return "  ".join(parts)


def _print_detail(d: dict[str, Any]) -> None:
    out(_line(d), soft_wrap=True)
    slot = d.get("slot")
    if slot:
        when = "all day" if slot["all_day"] else f"{slot['start']} for {slot['minutes']} min"
        out(f"  scheduled {slot['day']}, {when}")
    else:
        out("  not scheduled")
    out(f"  from {d['source'].replace('_', ' ')}; kind {d['kind']}")
    if d.get("description"):
        out(f"  {d['description']}", soft_wrap=True)
    for item in d["checklist"]:
        out(f"  [{'x' if item['done'] else ' '}] {item['item']}")
    out(f"  {d['hours']:.2f} hours logged")
    for e in d["entries"]:
        out(f"  {e['at'][:16].replace('T', ' ')} {e['by']}: {e['kind']} {e['text'] or ''}")


def register(app: typer.Typer) -> None:
    """Add ``servitize work``."""
    work = typer.Typer(
        no_args_is_help=True,
        help="Work orders, the dispatch board and preventive-maintenance plans.",
    )
    app.add_typer(work, name="work")

    @work.command("list")
    def list_work(
        status: Annotated[
            str | None, typer.Option(help="open, new, scheduled, in_progress, done, cancelled")
        ] = None,
        technician: IdOpt = None,
        account: IdOpt = None,
        due: Annotated[str | None, typer.Option(help="due on or before, YYYY-MM-DD")] = None,
        limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Work orders of your accounts, newest first."""
        f = repository.Filters(status, technician, account, _day("due", due))

        def run(ctx: Context) -> list[dict[str, Any]]:
            rows = service.export(ctx, f, limit)
            n = service.names(ctx, rows)
            return [service.as_dict(w, n) for w in rows]

        data = run_in_context(run, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        if not data:
            out("no work orders")
        for w in data:
            out(_line(w), soft_wrap=True)

    @work.command("show")
    def show(work_order_id: IdArg, as_user: AsUser = None, as_json: AsJson = False) -> None:
        """One work order: slot, checklist, hours, log."""
        data = run_in_context(lambda ctx: dispatch.detail(ctx, work_order_id), as_user, as_json)
        if as_json:
            emit_json(data)
            return
        _print_detail(data)

    @work.command("open")
    def open_work(
        account: Annotated[int, typer.Option(min=1, max=2**63 - 1, help="the account's id")],
        title: Annotated[str, typer.Option(help="what is to be done")],
        asset: IdOpt = None,
        kind: Annotated[str, typer.Option(help="repair, maintenance, inspection, …")] = "repair",
        skill: Annotated[str | None, typer.Option(help="the skill the work needs")] = None,
        due: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
        visit: IdOpt = None,
        lead: IdOpt = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Open a work order by hand, from a visit (--visit) or a lead (--lead)."""
        opening = service.Opening(
            account_id=account,
            title=title,
            asset_id=asset,
            kind=kind,
            required_skill=skill,
            due_on=_day("due", due),
            visit_id=visit,
            lead_id=lead,
        )
        data = run_in_context(
            lambda ctx: dispatch.detail(ctx, service.create(ctx, opening).id), as_user, as_json
        )
        if as_json:
            emit_json(data)
            return
        out(f"opened {_line(data)}", soft_wrap=True)

    @work.command("schedule")
    def schedule(
        work_order_id: Annotated[
            int | None, typer.Argument(min=1, max=2**63 - 1, help="the work order's id")
        ] = None,
        line: Annotated[
            int | None, typer.Option(min=1, max=2**63 - 1, help="a signed sheet line instead")
        ] = None,
        technician: Annotated[int, typer.Option(min=1, max=2**63 - 1)] = 0,
        day: Annotated[str, typer.Option(help="YYYY-MM-DD")] = "",
        start: Annotated[str | None, typer.Option(help="HH:MM")] = None,
        minutes: Annotated[int | None, typer.Option(min=15, max=1440)] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Put a work order (or a signed sheet line) into a technician's day."""
        if (work_order_id is None) == (line is None):
            fail("work_order_id: give a work order id or --line")
        if not technician:
            fail("technician: give --technician")
        when = _day("day", day or None)
        if when is None:
            fail("day: give --day YYYY-MM-DD")

        def run(ctx: Context) -> dict[str, Any]:
            at = rules.parse_time(start) if start else None
            if line is not None:
                w = dispatch.schedule_sold_line(ctx, line, technician, when, at, minutes)
            else:
                w = dispatch.schedule(ctx, work_order_id, technician, when, at, minutes)
            return dispatch.detail(ctx, w.id)

        data = run_in_context(run, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        out(f"scheduled {_line(data)}", soft_wrap=True)

    @work.command("done")
    def done(
        work_order_id: IdArg,
        note: Annotated[str | None, typer.Option(help="what was done")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Mark a work order done (its machine's history gets the service event)."""

        def run(ctx: Context) -> dict[str, Any]:
            service.move(ctx, work_order_id, "done", note)
            return dispatch.detail(ctx, work_order_id)

        data = run_in_context(run, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        out(f"done {_line(data)}", soft_wrap=True)

    @work.command("plan-run")
    def plan_run(
        plan: IdOpt = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Open the work orders of the maintenance plans that fall due within the lead time.
        Running it again opens nothing new."""
        from rich.progress import Progress

        def run(ctx: Context) -> dict[str, Any]:
            count = 1 if plan is not None else plans.active_count(ctx)
            with Progress(console=console, transient=True, disable=as_json) as bar:
                task = bar.add_task("maintenance plans", total=count)
                result = plans.run(ctx, plan, step=lambda _p: bar.advance(task))
            return dict(result.as_dict())

        data = run_in_context(run, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        out(
            f"{len(data['opened'])} work orders opened; {data['checked']} machines checked, "
            f"{data['already_open']} with open plan work, {data['not_due']} not due yet"
        )
        for w in data["opened"]:
            out(f"  {w['number']} machine {w['asset_id']} due {w['due_on']}")
        if data["no_readings"]:
            out(f"  no operating hours known for: {', '.join(data['no_readings'])}")

    @work.command("alerts")
    def scan(as_user: AsUser = None, as_json: AsJson = False) -> None:
        """Run the machine-alert rules over consented telemetry; open the cases."""
        data = run_in_context(lambda ctx: dict(alerts.scan(ctx).as_dict()), as_user, as_json)
        if as_json:
            emit_json(data)
            return
        out(
            f"{len(data['opened'])} cases opened, {data['deduplicated']} already open "
            f"({data['rules']} rules)"
        )
        for w in data["opened"]:
            out(f"  {w['number']} machine {w['asset_id']} ({w['rule']})")

"""``servitize opportunities``: create, decide at gates, advance, draw the blueprint, list, show."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from servitize.core.console import console, emit_json
from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.sales import picture, pipeline, service
from servitize.sales import repository as repo
from servitize.sales.schemas import ActivityUpdate, DecisionIn, OpportunityCreate
from servitize.trust.cli import run_as
from servitize.trust.models import User

AsUser = Annotated[
    str | None, typer.Option("--as", help="act as this username (default: the CLI operator)")
]
Json = Annotated[bool, typer.Option("--json", help="print JSON on standard output")]


def register(app: typer.Typer) -> None:
    """Add the ``opportunities`` commands."""
    opps = typer.Typer(
        no_args_is_help=True, help="Solution-sales opportunities through five phases."
    )
    app.add_typer(opps, name="opportunities")

    @opps.command("create")
    def create(
        account: Annotated[int, typer.Option("--account", help="account id")],
        title: Annotated[str, typer.Option("--title")],
        offering_type: Annotated[
            str, typer.Option(help="project, service_agreement or subscription")
        ] = "project",
        source: Annotated[str, typer.Option(help="account, enquiry or lead")] = "account",
        value: Annotated[str | None, typer.Option(help="expected value in major units")] = None,
        currency: Annotated[str | None, typer.Option()] = None,
        lead_id: Annotated[int | None, typer.Option()] = None,
        story: Annotated[
            str | None, typer.Option(help="the lead's story, copied onto the opportunity")
        ] = None,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """Open an opportunity in phase 1 with its template activities."""
        data = OpportunityCreate(
            account_id=account,
            title=title,
            offering_type=offering_type,
            source="lead" if lead_id and source == "account" else source,
            value=Decimal(value) if value else None,
            currency=currency,
            lead_id=lead_id,
            lead_story=story,
        )
        opp = run_as(
            lambda s, u: service.read_one(s, u, service.create(s, u, data)), as_user, as_json
        )
        if as_json:
            emit_json(opp)
        else:
            console.print(
                f"[green]opportunity {opp.id}[/] {opp.title}: phase 1, {opp.account_name}"
            )

    @opps.command("decide")
    def decide(
        opportunity_id: int,
        gate: Annotated[str, typer.Option(help="pursue, tender, approval or acceptance")],
        decision: Annotated[str, typer.Option(help="go or no-go")],
        reason: Annotated[str, typer.Option(help="why (kept with who and when)")],
        yes: Annotated[bool, typer.Option("--yes", help="confirm a no-go")] = False,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """Record a gate decision (it supersedes the gate's current one; a no-go needs --yes)."""
        try:
            data = DecisionIn(gate=gate, decision=decision, reason=reason, confirm=yes)
        except ValueError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        row = run_as(lambda s, u: service.decide(s, u, opportunity_id, data), as_user, as_json)
        out = {
            "opportunity_id": opportunity_id,
            "gate": row.gate,
            "decision": row.decision,
            "reason": row.reason,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at,
        }
        if as_json:
            emit_json(out)
        else:
            console.print(f"{row.gate}: [bold]{row.decision.replace('_', ' ')}[/] — {row.reason}")

    @opps.command("reopen")
    def reopen(
        opportunity_id: int,
        reason: Annotated[str, typer.Option(help="why (kept in the audit trail)")],
        as_user: AsUser = None,
    ) -> None:
        """Reopen an opportunity closed by a pursue or tender no-go (sales managers)."""
        opp = run_as(lambda s, u: service.reopen(s, u, opportunity_id, reason), as_user)
        console.print(f"opportunity {opp.id}: open again in phase {opp.phase}")

    @opps.command("advance")
    def advance(opportunity_id: int, as_user: AsUser = None, as_json: Json = False) -> None:
        """Move to the next phase, or exit non-zero with the reason."""
        result = run_as(lambda s, u: service.advance(s, u, opportunity_id), as_user, as_json)
        if as_json:
            emit_json(result)
        else:
            console.print(
                f"opportunity {result.id}: phase {result.from_phase} → {result.phase} ({result.phase_name})"
            )

    @opps.command("activity")
    def activity(
        opportunity_id: int,
        code: Annotated[
            str, typer.Option(help="the template code of the activity, e.g. opportunity_review")
        ],
        status: Annotated[str, typer.Option(help="open, done or skipped")] = "done",
        as_user: AsUser = None,
    ) -> None:
        """Set the status of one activity of an opportunity."""

        def work(session: Session, user: User) -> str:
            opp = repo.get(session, user, opportunity_id)
            match = [a for a in repo.activities_of(session, [opp.id]) if a.code == code]
            if not match:
                raise ServitizeError(f"opportunity {opportunity_id} has no activity {code!r}")
            service.update_activity(
                session, user, opp.id, match[0].id, ActivityUpdate(status=status)
            )
            return match[0].title

        console.print(f"{run_as(work, as_user)}: {status}")

    @opps.command("blueprint")
    def blueprint(
        opportunity_id: Annotated[int | None, typer.Argument(help="omit with --aggregate")] = None,
        svg: Annotated[Path, typer.Option("--svg", help="where to write the SVG")] = Path(
            "blueprint.svg"
        ),
        aggregate: Annotated[
            str | None, typer.Option(help="draw all opportunities of this offering type")
        ] = None,
        as_user: AsUser = None,
    ) -> None:
        """Write the blueprint swimlane picture as SVG."""
        if opportunity_id is None and not aggregate:
            console.print("[red]error:[/] give an opportunity id or --aggregate TYPE")
            raise typer.Exit(2)
        text = run_as(
            lambda s, u: (
                picture.aggregate_svg(s, u, aggregate)
                if aggregate
                else picture.opportunity_svg(s, u, opportunity_id)  # type: ignore[arg-type]
            ),
            as_user,
        )
        svg.write_text(text, encoding="utf-8")
        console.print(f"blueprint written to {svg}")

    @opps.command("list")
    def list_(
        phase: Annotated[int | None, typer.Option(min=1, max=5)] = None,
        status: Annotated[str | None, typer.Option()] = None,
        account: Annotated[int | None, typer.Option("--account")] = None,
        limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
        as_user: AsUser = None,
        as_json: Json = False,
    ) -> None:
        """List opportunities, newest first."""

        def work(session: Session, user: User) -> list[Any]:
            rows, _ = repo.page(
                session, user, phase=phase, status=status, account_id=account, limit=limit
            )
            return [service.read_one(session, user, o) for o in rows]

        items = run_as(work, as_user)
        if as_json:
            emit_json(items)
            return
        table = Table(title=f"{len(items)} opportunities")
        for col in ("id", "title", "account", "phase", "status", "value"):
            table.add_column(col)
        for o in items:
            value = f"{o.value:,.0f} {o.currency}" if o.value is not None else ""
            table.add_row(str(o.id), o.title, o.account_name, str(o.phase), o.status, value)
        console.print(table)

    @opps.command("show")
    def show(opportunity_id: int, as_user: AsUser = None, as_json: Json = False) -> None:
        """One opportunity: phase, gates, what blocks the next phase."""
        view = run_as(lambda s, u: picture.detail(s, u, opportunity_id), as_user, as_json)
        if as_json:
            emit_json(view)
            return
        o = view.opportunity
        console.rule(f"#{o.id} {o.title} ({o.account_name})")
        console.print(f"phase {o.phase}: {o.phase_name} · status {o.status} · {o.offering_type}")
        console.print("gates: " + ", ".join(f"{g} {d or '-'}" for g, d in view.gates.items()))
        for reason in view.advance_blockers:
            console.print(f"  [yellow]blocks the next phase:[/] {reason}")

    @opps.command("forecast")
    def forecast(as_user: AsUser = None) -> None:
        """Weighted forecast by phase, conversion, cycle time and stalls (JSON)."""
        company = Settings().company_currency
        emit_json(run_as(lambda s, u: pipeline.forecast(s, u, company_currency=company), as_user))

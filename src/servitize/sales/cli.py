"""``servitize opportunities``: create, decide at gates, advance, draw the blueprint, list, show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from servitize.core.console import emit_json, refusal, say, stdout, words
from servitize.core.errors import ServitizeError, parse_input
from servitize.kit.cli import fail
from servitize.sales import picture, pipeline, service
from servitize.sales.process import policy_of
from servitize.sales.schemas import ActivityUpdate, DecisionIn, OpportunityCreate
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

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
            str | None,
            typer.Option(
                help="project, service_agreement or subscription (default: the account's "
                "organisation type picks it)"
            ),
        ] = None,
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
        fields = {
            "account_id": account,
            "title": title,
            "offering_type": offering_type,
            "source": "lead" if lead_id and source == "account" else source,
            "value": value,
            "currency": currency,
            "lead_id": lead_id,
            "lead_story": story,
        }

        def work(ctx: Context) -> Any:
            # a bad value is one line naming the field (InvalidInput), not a traceback
            data = parse_input(OpportunityCreate, fields)
            opp = service.create(ctx.session, ctx.user, data, now=ctx.now)
            return service.read_one(ctx.session, ctx.user, opp, policy_of(ctx.settings))

        opp = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(opp)
        else:
            say(f"[green]opportunity {opp.id}[/] {opp.title}: phase 1, {opp.account_name}")

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
            fail(refusal(exc))
        row = run_in_context(
            lambda c: service.decide(
                c.session, c.user, opportunity_id, data, c.now, policy_of(c.settings)
            ),
            as_user,
            as_json,
        )
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
            say(f"{row.gate}: [bold]{row.decision.replace('_', ' ')}[/] — {row.reason}")

    @opps.command("reopen")
    def reopen(
        opportunity_id: int,
        reason: Annotated[str, typer.Option(help="why (kept in the audit trail)")],
        as_user: AsUser = None,
    ) -> None:
        """Reopen an opportunity closed by a pursue or tender no-go (sales managers)."""
        opp = run_in_context(
            lambda c: service.reopen(c.session, c.user, opportunity_id, reason, c.now), as_user
        )
        say(f"opportunity {opp.id}: open again in phase {opp.phase}")

    @opps.command("advance")
    def advance(opportunity_id: int, as_user: AsUser = None, as_json: Json = False) -> None:
        """Move to the next phase, or exit non-zero with the reason."""
        result = run_in_context(
            lambda c: service.advance(
                c.session, c.user, opportunity_id, c.now, None, policy_of(c.settings)
            ),
            as_user,
            as_json,
        )
        if as_json:
            emit_json(result)
        else:
            say(
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

        def work(ctx: Context) -> str:
            activity = service.activity_by_code(ctx.session, ctx.user, opportunity_id, code)
            if activity is None:
                raise ServitizeError(f"opportunity {opportunity_id} has no activity {code!r}")
            service.update_activity(
                ctx.session,
                ctx.user,
                opportunity_id,
                activity.id,
                ActivityUpdate(status=status),
                ctx.today,
            )
            return activity.title

        say(f"{run_in_context(work, as_user)}: {status}")

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
            fail("give an opportunity id or --aggregate TYPE")

        def draw(ctx: Context) -> str:
            if aggregate:
                return picture.aggregate_svg(ctx.session, ctx.user, aggregate, ctx.today)
            assert opportunity_id is not None  # checked above
            return picture.opportunity_svg(
                ctx.session, ctx.user, opportunity_id, ctx.today, policy_of(ctx.settings)
            )

        text = run_in_context(draw, as_user)
        svg.write_text(text, encoding="utf-8")
        say(f"blueprint written to {svg}")

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

        def work(ctx: Context) -> list[Any]:
            items, _total = service.listing(
                ctx.session,
                ctx.user,
                phase=phase,
                status=status,
                account_id=account,
                limit=limit,
                pol=policy_of(ctx.settings),
            )
            return items

        items = run_in_context(work, as_user)
        if as_json:
            emit_json(items)
            return
        table = Table(title=f"{len(items)} opportunities")
        for col in ("id", "title", "account", "phase", "status", "value"):
            table.add_column(col)
        for o in items:
            value = f"{o.value:,.0f} {o.currency}" if o.value is not None else ""
            table.add_row(str(o.id), o.title, o.account_name, str(o.phase), o.status, value)
        say(table)

    @opps.command("show")
    def show(opportunity_id: int, as_user: AsUser = None, as_json: Json = False) -> None:
        """One opportunity: phase, gates, what blocks the next phase."""
        view = run_in_context(
            lambda c: picture.detail(
                c.session, c.user, opportunity_id, c.today, policy_of(c.settings)
            ),
            as_user,
            as_json,
        )
        if as_json:
            emit_json(view)
            return
        o = view.opportunity
        stdout.rule(f"#{o.id} {o.title} ({o.account_name})")
        say(f"phase {o.phase}: {o.phase_name} · status {o.status} · {words(o.offering_type)}")
        say(
            "gates: "
            + ", ".join(f"{g} {(d or '-').replace('_', ' ')}" for g, d in view.gates.items())
        )
        for reason in view.advance_blockers:
            say(f"  [yellow]blocks the next phase:[/] {reason}")

    @opps.command("forecast")
    def forecast(as_user: AsUser = None, as_json: Json = False) -> None:
        """Weighted forecast by phase, conversion, cycle time and stalls, in words (--json:
        JSON)."""
        found = run_in_context(
            lambda c: pipeline.forecast(
                c.session,
                c.user,
                company_currency=c.settings.company_currency,
                pol=policy_of(c.settings),
            ),
            as_user,
        )
        if as_json:
            emit_json(found.model_dump())  # amounts as JSON numbers, as the command always wrote
            return
        say(_forecast_words(found))


def _amount(value: Any, currency: str) -> str:
    return "none" if value is None else f"{value:,.2f} {currency}"


def _forecast_words(f: Any) -> list[str]:
    """The forecast as lines a person reads: the total, each phase, conversion, stalls."""
    t = f.total
    out = [
        f"{t.count} open opportunities: {_amount(t.value, t.currency)}, weighted "
        f"{_amount(t.weighted, t.currency)}"
    ]
    if t.not_converted:
        out.append(f"  not converted (no rate): {', '.join(t.not_converted)}")
    for p in f.phases:
        out.append(
            f"  phase {p.phase} {p.phase_name}: {p.count}, {_amount(p.value, p.currency)}, "
            f"weighted {_amount(p.weighted, p.currency)}"
        )
    for st in f.stats:
        conversion = "—" if st.conversion is None else f"{st.conversion * 100:.0f} %"
        cycle = "—" if st.cycle_days is None else f"{st.cycle_days:,.0f} days"
        out.append(
            f"  phase {st.phase}: reached {st.reached}, moved on {st.moved_on}, open {st.open}, "
            f"stalled {st.stalled}, conversion {conversion}, cycle {cycle}"
        )
    out.append(f"won {f.won}, lost {f.lost}; stalled: {len(f.stalled)}")
    for x in f.stalled[:10]:
        out.append(f"  {x.id} {x.title}: {x.days_in_phase} days in phase {x.phase}")
    return out

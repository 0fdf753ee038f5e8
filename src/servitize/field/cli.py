"""``servitize leads route|escalate`` and ``servitize field ...``: the field's batch jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from servitize.core.console import emit_json, say
from servitize.core.lazy import lazy
from servitize.kit.cli import find_group
from servitize.trust.audit import Actor
from servitize.trust.context import cli_context

service = lazy("servitize.field.service")  # scikit-learn and Ibis load when a command runs

AsOf = Annotated[
    datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="the day (default: today)")
]
CLI = Actor("cli")


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group ``name`` if a capability registered it already, else a new one."""
    try:
        return find_group(app, name)
    except LookupError:
        pass
    group = typer.Typer(no_args_is_help=True, help=help_text)
    app.add_typer(group, name=name)
    return group


def register(app: typer.Typer) -> None:
    """Add ``leads route`` and ``leads escalate`` (to the leads group, made if missing)."""
    leads = _group(app, "leads", "Leads from the installed base.")

    @leads.command("route")
    def route(as_of: AsOf = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Route every unrouted open lead by value: small to the next visit, big to the owner."""
        with cli_context() as ctx:
            day = as_of.date() if as_of else ctx.today
            result = service.route_new_leads(
                ctx.session, CLI, day, ctx.settings.field, ctx.settings
            )
        emit_json(result) if as_json else say(result)

    @leads.command("escalate")
    def escalate(
        as_of: AsOf = None, as_json: Annotated[bool, typer.Option("--json")] = False
    ) -> None:
        """Escalate open leads past their turnaround SLA to the service manager."""
        with cli_context() as ctx:
            day = as_of.date() if as_of else ctx.today
            n = service.escalate_overdue(ctx.session, CLI, day, ctx.settings.field)
        emit_json({"escalated": n}) if as_json else say(f"escalated {n} leads")

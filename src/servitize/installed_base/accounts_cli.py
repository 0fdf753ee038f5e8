"""``servitize accounts list`` and ``servitize accounts show ID``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from servitize.core.console import cli_session, emit_json, say, stdout, words
from servitize.core.errors import ServitizeError
from servitize.installed_base import service
from servitize.installed_base.service import link_dealer_user
from servitize.kit.cli import fail
from servitize.trust.audit import Actor
from servitize.trust.cli import run_in_context
from servitize.trust.service import acting_user

AsUser = Annotated[
    str | None, typer.Option("--as", help="see what this username may see (default: everything)")
]


def register(app: typer.Typer) -> None:
    """Add the ``accounts`` commands."""
    accounts = typer.Typer(no_args_is_help=True, help="Accounts and the account 360.")
    app.add_typer(accounts, name="accounts")

    @accounts.command("list")
    def list_(
        q: Annotated[str | None, typer.Option(help="part of name or number")] = None,
        owner: Annotated[str | None, typer.Option(help="owner's username")] = None,
        country: Annotated[str | None, typer.Option()] = None,
        industry: Annotated[str | None, typer.Option()] = None,
        territory: Annotated[str | None, typer.Option()] = None,
        limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
        offset: Annotated[int, typer.Option(min=0)] = 0,
        as_user: AsUser = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """List accounts with filters."""
        try:
            with cli_session() as session:
                page = service.list_accounts(
                    session,
                    acting_user(session, as_user),
                    q=q,
                    owner=owner,
                    country=country,
                    industry=industry,
                    territory=territory,
                    limit=limit,
                    offset=offset,
                )
        except ServitizeError as exc:
            fail(exc.message)
        if as_json:
            emit_json(page)
            return
        table = Table(title=f"{page.total} accounts")
        for col in ("id", "number", "name", "country", "industry", "owner"):
            table.add_column(col)
        for a in page.items:
            table.add_row(
                str(a.id),
                a.external_id,
                a.name,
                a.country or "",
                a.industry or "",
                a.owner.username if a.owner else "",
            )
        say(table)

    @accounts.command("show")
    def show(
        account: Annotated[str, typer.Argument(help="the account's id or external id")],
        as_user: AsUser = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The account 360 of one account."""
        view = run_in_context(
            lambda ctx: service.account_360(ctx, service.account_id_by_ref(ctx.session, account)),
            as_user,
            as_json,
        )
        if as_json:
            emit_json(view)
            return
        a = view.account
        stdout.rule(f"{a.name} ({a.external_id})")
        owner = a.owner.full_name or a.owner.username if a.owner else None
        say(
            f"owner: {words(owner)}   country: {words(a.country)}   "
            f"industry: {words(a.industry)}   territory: {words(a.territory)}"
        )
        ib = view.installed_base
        say(
            f"installed base: {ib.assets} machines; "
            + ", ".join(f"{c.label} {c.count}" for c in ib.by_origin)
        )
        sh = view.service_history
        say(
            f"service, last 12 months: {sh.events} work orders, "
            f"{sh.downtime_hours} h downtime, parts {sh.parts_cost} {sh.currency}"
        )
        say(f"data health: {view.data_health.score}/100")
        for issue in view.data_health.issues:
            say(f"  - {issue.count} x {issue.message}")

    @accounts.command("dealer-user")
    def dealer_user(
        username: str,
        dealer: Annotated[str, typer.Argument(help="external id of the dealer account")],
    ) -> None:
        """Let a user of a dealer see the dealer and every account it serves."""
        try:
            with cli_session() as session:
                link_dealer_user(session, Actor("cli"), username, dealer)
        except ServitizeError as exc:
            fail(exc.message)
        say(f"{username} now sees what dealer {dealer} serves")

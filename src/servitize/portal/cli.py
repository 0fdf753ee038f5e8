"""``servitize portal``: invite a customer's person to the portal, list the portal's users."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from servitize.core.console import console, emit_json
from servitize.core.lazy import lazy
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

invitations = lazy("servitize.portal.invitations")
accounts = lazy("servitize.installed_base.repository")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def register(app: typer.Typer) -> None:
    """Add ``servitize portal``."""
    portal = typer.Typer(help="The customer portal: invite customer users, list them.")
    app.add_typer(portal, name="portal")

    @portal.command("invite")
    def invite(
        account: Annotated[str, typer.Argument(help="the account's number (or id)")],
        email: Annotated[str, typer.Argument(help="the invitee's email address")],
        name: Annotated[str | None, typer.Option(help="the invitee's full name")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Invite someone of a customer to the portal of an account; prints the link to send."""

        def work(ctx: Context) -> dict[str, Any]:
            found = accounts.account_by_ref(ctx.session, account)
            if found is None:
                from servitize.core.errors import NotFound

                raise NotFound(f"account: {account} not found")
            done = invitations.invite(ctx, found.id, email, name)
            return {
                "account": found.name,
                "email": email.strip().lower(),
                "link": done.link,
                "mailed": done.mailed,
                "expires_at": done.invitation.expires_at.isoformat() if done.invitation else None,
                "existing_user": done.user.username if done.user else None,
            }

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
        elif data["existing_user"]:
            console.print(f"{data['existing_user']} now sees {data['account']} in the portal")
        else:
            sent = "mailed to" if data["mailed"] else "send it to"
            console.print(f"invitation for {data['account']}, {sent} {data['email']}:")
            console.print(data["link"], soft_wrap=True)
            console.print(f"it works once, until {data['expires_at']}")

    @portal.command("users")
    def users(
        account: Annotated[
            str | None, typer.Option(help="only this account (number or id)")
        ] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """The customer users of the portal and the accounts each sees."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            account_id = None
            if account is not None:
                found = accounts.account_by_ref(ctx.session, account)
                if found is None:
                    from servitize.core.errors import NotFound

                    raise NotFound(f"account: {account} not found")
                account_id = found.id
            return [
                {
                    "user": u.username,
                    "name": u.full_name,
                    "active": u.active,
                    "account": a.external_id,
                    "account_name": a.name,
                }
                for u, a in invitations.users(ctx, account_id)
            ]

        rows = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(rows)
            return
        if not rows:
            console.print("no customer users")
        for r in rows:
            state = "" if r["active"] else " (inactive)"
            console.print(f"{r['user']}{state}: {r['account']} {r['account_name']}")

"""``servitize users list | edit | deactivate | reactivate | reset-password | password |
new-token``: user administration from the command line, as the operator (audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from servitize.core.console import console, emit_json
from servitize.kit.pagination import PageParams
from servitize.trust import admin
from servitize.trust.admin_repository import UserQuery
from servitize.trust.context import Context
from servitize.trust.models import Role
from servitize.trust.service import set_password, token_dict, user_dict

STATES = {"all": None, "active": True, "inactive": False}


def _run(work: object, as_json: bool = False) -> None:
    from servitize.trust.cli import run_in_context

    run_in_context(work, None, as_json)  # type: ignore[arg-type]


def register_admin(users: typer.Typer) -> None:
    """Add the administration commands to the ``users`` group."""

    @users.command("list")
    def list_users(
        role: Annotated[Role | None, typer.Option(help="only this role")] = None,
        state: Annotated[str, typer.Option(help="all, active or inactive")] = "all",
        text: Annotated[str | None, typer.Option("--search", help="in name or email")] = None,
        page: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1,
        size: Annotated[int, typer.Option(min=1, max=500)] = 50,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Users by name, a page at a time."""
        if state not in STATES:
            console.print(f"[red]error:[/] state: one of all, active, inactive, not {state!r}")
            raise typer.Exit(2)

        def work(ctx: Context) -> None:
            query = UserQuery(role=role, active=STATES[state], text=text)
            rows, total = admin.users(ctx.session, query, PageParams(page, size))
            if as_json:
                emit_json({"items": [user_dict(u) for u in rows], "total": total, "page": page})
                return
            for u in rows:
                where = f" in {u.territory}" if u.territory else ""
                state_words = "" if u.active else " (deactivated)"
                typer.echo(f"{u.id:>5}  {u.username}  {u.full_name}  {u.role}{where}{state_words}")
            typer.echo(f"{len(rows)} of {total} users (page {page})")

        _run(work, as_json)

    @users.command("edit")
    def edit(
        name: str,
        role: Annotated[str | None, typer.Option(help="a new role")] = None,
        territory: Annotated[str | None, typer.Option(help='a new territory ("" clears)')] = None,
        full_name: Annotated[str | None, typer.Option()] = None,
        email: Annotated[str | None, typer.Option(help='a new email ("" clears)')] = None,
    ) -> None:
        """Change a user's role, territory, name or email (audited)."""

        def work(ctx: Context) -> None:
            user = admin.user_named(ctx.session, name)
            edit = admin.UserEdit(role=role, territory=territory, full_name=full_name, email=email)
            admin.edit_user(ctx.session, ctx.actor, user, edit)
            typer.echo(f"{user.username}: {user.role}, territory {user.territory or 'none'}")

        _run(work)

    def _set_active(name: str, active: bool) -> None:
        def work(ctx: Context) -> None:
            user = admin.user_named(ctx.session, name)
            admin.set_active(ctx.session, ctx.actor, ctx.user, user, active)
            state = "active" if active else "deactivated: its sessions and API tokens stop now"
            typer.echo(f"{user.username} is {state}")

        _run(work)

    @users.command("deactivate")
    def deactivate(name: str) -> None:
        """Deactivate a user: their sessions and API tokens stop working at once (audited)."""
        _set_active(name, False)

    @users.command("reactivate")
    def reactivate(name: str) -> None:
        """Let a deactivated user log in again (audited)."""
        _set_active(name, True)

    @users.command("reset-password")
    def reset(name: str) -> None:
        """Print a one-time password for the user (shown once); they choose their own at the
        next login (audited)."""

        def work(ctx: Context) -> None:
            user = admin.user_named(ctx.session, name)
            one_time = admin.reset_password(ctx.session, ctx.actor, user)
            typer.echo(
                f"one-time password for {user.username}: {one_time} "
                "(they choose their own at the next login)"
            )

        _run(work)

    @users.command("password")
    def password(
        name: str,
        new: Annotated[
            str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
        ],
    ) -> None:
        """Set a user's password (it must meet the password policy; audited)."""

        def work(ctx: Context) -> None:
            user = admin.user_named(ctx.session, name)
            set_password(ctx.session, ctx.actor, user, new, ctx.settings.password_min_length)
            typer.echo(f"password of {user.username} is set; their sessions ended")

        _run(work)

    @users.command("new-token")
    def new_token(
        name: str,
        label: Annotated[str, typer.Option(help="what the token is for")] = "",
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """A new API token for the user, printed once (audited)."""

        def work(ctx: Context) -> None:
            user = admin.user_named(ctx.session, name)
            token, clear = admin.create_token(ctx.session, ctx.actor, user, label)
            if as_json:
                emit_json({**token_dict(token), "token": clear})
            else:
                typer.echo(f"API token {token.id} for {user.username}: {clear}")

        _run(work, as_json)

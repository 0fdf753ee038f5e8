"""``servitize users`` and ``servitize audit``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer

from servitize.core.console import cli_session, console, emit_json, say
from servitize.core.errors import ServitizeError
from servitize.core.settings import Settings
from servitize.kit.pagination import PageParams
from servitize.trust import audit, audit_trail
from servitize.trust.admin_cli import register_admin
from servitize.trust.context import Context, SessionWork, cli_context
from servitize.trust.service import (
    acting_user,
    create_user,
    revoke_token,
    token_dict,
    tokens_of,
    user_dict,
)

T = TypeVar("T")


def run_as(work: SessionWork, as_user: str | None, as_json: bool = False) -> Any:
    """Run one use case as a user (``--as``; the operator otherwise) in a committed transaction;
    a refusal prints its reason and exits 1 (not found) or 2."""
    try:
        with cli_session() as session:
            return work(session, acting_user(session, as_user))
    except ServitizeError as exc:
        if as_json:
            emit_json({"error": exc.message, "status": exc.status_code})
        else:
            console.print(f"[red]error:[/] {exc.message}", soft_wrap=True)
        raise typer.Exit(1 if exc.status_code == 404 else 2) from None


def run_in_context(work: Callable[[Context], T], as_user: str | None, as_json: bool = False) -> T:
    """Like ``run_as``, with the command's ``Context`` (session, user, settings, today)."""
    try:
        with cli_context(as_user) as ctx:
            return work(ctx)
    except ServitizeError as exc:
        if as_json:
            emit_json({"error": exc.message, "status": exc.status_code})
        else:
            console.print(f"[red]error:[/] {exc.message}", soft_wrap=True)
        raise typer.Exit(1 if exc.status_code == 404 else 2) from None


def register(app: typer.Typer) -> None:
    """Add the ``users`` and ``audit`` commands."""
    users = typer.Typer(no_args_is_help=True, help="Users, roles and API tokens.")
    app.add_typer(users, name="users")

    @users.command("create")
    def create(
        name: str,
        role: Annotated[
            str,
            typer.Option(
                help="admin, sales_manager, account_owner, technician, service_manager or analyst"
            ),
        ],
        territory: Annotated[str | None, typer.Option(help="sales/service region")] = None,
        password: Annotated[
            str | None, typer.Option(help="for web login; omit for API only")
        ] = None,
        full_name: Annotated[str, typer.Option()] = "",
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Create a user and print it with a new API token (shown once)."""
        try:
            with cli_session() as session:
                user, token = create_user(
                    session,
                    audit.OPERATOR,
                    name,
                    role,
                    territory,
                    password,
                    full_name,
                    min_length=Settings().password_min_length,
                )
                out: dict[str, object] = {**user_dict(user), "api_token": token}
        except ServitizeError as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(2) from None
        if as_json:
            emit_json(out)
        else:
            console.print(f"created {out['username']} ({out['role']}); API token: {token}")

    @users.command("tokens")
    def tokens(name: str) -> None:
        """A user's API tokens as JSON lines (never the token itself)."""

        def work(ctx: Context) -> None:
            for token in tokens_of(ctx.session, acting_user(ctx.session, name)):
                emit_json(token_dict(token))

        run_in_context(work, None)

    @users.command("revoke-token")
    def revoke(token_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1)]) -> None:
        """Revoke an API token by its id: it answers 401 from now on (audited)."""

        def work(ctx: Context) -> None:
            token = revoke_token(ctx.session, ctx.actor, ctx.user, token_id)
            console.print(f"API token {token.id} of user {token.user_id} is revoked")

        run_in_context(work, None)

    register_admin(users)

    audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")
    app.add_typer(audit_app, name="audit")

    @audit_app.command("list")
    def list_entries(
        entity: Annotated[str | None, typer.Option(help="kind of record: user, account...")] = None,
        entity_id: Annotated[str | None, typer.Option("--id", help="one record's id")] = None,
        actor: Annotated[str | None, typer.Option(help="who made the change")] = None,
        action: Annotated[str | None, typer.Option(help="create, update, deactivate...")] = None,
        since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
        until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
        page: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1,
        limit: Annotated[int, typer.Option("--limit", "--size", min=1, max=1000)] = 50,
        as_csv: Annotated[
            bool, typer.Option("--csv", help="every match as CSV (no paging)")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
    ) -> None:
        """Audit entries, newest first, a page of --size: one line each in words (--json: JSON
        lines), or every match as CSV: the same rows as the audit page and the API."""

        def work(ctx: Context) -> None:
            filters = audit_trail.query(
                actor,
                entity,
                entity_id,
                action,
                since.date() if since else None,
                until.date() if until else None,
            )
            if as_csv:
                sys.stdout.write(audit_trail.csv_text(ctx.session, filters))
                return
            rows, total = audit_trail.page(ctx.session, filters, PageParams(page, limit))
            names = audit_trail.record_names(ctx.session, rows)
            if not as_json:
                shown = f"{len(rows)} of {total}" if total > len(rows) else str(total)
                say(f"{shown} audit entr{'y' if total == 1 else 'ies'}, newest first")
                for e in rows:
                    changes = audit_trail.described(e)
                    say(
                        f"{e.id}  {e.at:%Y-%m-%d %H:%M}  {e.actor}  {e.action}  "
                        f"{names[e.id]}"
                        + (f"  {changes}" if changes else "")
                        + (f"  ({e.note})" if e.note else "")
                    )
                return
            for e in rows:
                emit_json(
                    {
                        "id": e.id,
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "entity": e.entity,
                        "entity_id": e.entity_id,
                        "record": names[e.id],
                        "changes": audit_trail.described(e),
                        "before": e.before,
                        "after": e.after,
                        "note": e.note,
                    }
                )

        run_in_context(work, None)

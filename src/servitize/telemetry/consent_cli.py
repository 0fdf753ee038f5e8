"""``servitize consent list``, ``change`` and ``record``: the agreements across accounts, narrowing
one (or lengthening its period), and one account's record (agreements, history, use). Run by the
operator (every account); plain words on standard output, ``--json`` for machines, errors one
line naming the field (exit 2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from servitize.core.console import cli_session, console, emit_json, refusal, say
from servitize.core.errors import ServitizeError
from servitize.core.lazy import lazy
from servitize.trust import audit

consent = lazy("servitize.telemetry.consent")
consent_list = lazy("servitize.telemetry.consent_list")
consent_record = lazy("servitize.telemetry.consent_record")
consent_views = lazy("servitize.telemetry.consent_views")
records = lazy("servitize.telemetry.records")


def _fail(exc: BaseException) -> None:
    console.print(f"[red]error:[/] {escape(refusal(exc))}", soft_wrap=True)
    raise typer.Exit(2) from None


def register_consent(consent_app: typer.Typer) -> None:
    """Add list, change and record to ``servitize consent``."""

    @consent_app.command("list")
    def list_agreements(
        state: Annotated[
            str | None, typer.Option(help="active, narrowed, upcoming, revoked, expired")
        ] = None,
        kind: Annotated[str | None, typer.Option(help="status, usage, energy, process")] = None,
        purpose: Annotated[str | None, typer.Option(help="a purpose")] = None,
        account: Annotated[str | None, typer.Option(help="an account's external id or id")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """The agreements of every account, filtered by state, data kind, purpose or account."""
        try:
            consent_list.check_filters(state, kind, purpose)
            with cli_session() as session:
                account_id = records.account_id_of(session, account) if account else None
                rows = consent_list.every_agreement(session, state, kind, purpose, account_id)
                out = [consent_list.row_dict(r) for r in rows]
        except (ServitizeError, ValueError) as exc:
            _fail(exc)
        if as_json:
            emit_json(out)
            return
        if not out:
            say("no agreement matches")
        for r in out:
            until = (r["valid_to"] or "open-ended")[:10]
            say(
                f"{r['id']} {r['account_name']}: {r['state']}, {' '.join(r['data_kinds'])} for "
                f"{' '.join(r['purposes'])}, {r['valid_from'][:10]} to {until}"
            )

    @consent_app.command("change")
    def change(
        agreement_id: int,
        kind: Annotated[list[str], typer.Option(help="the data kinds to keep")],
        purpose: Annotated[list[str], typer.Option(help="the purposes to keep")],
        until: Annotated[
            str | None, typer.Option(help="the new end, YYYY-MM-DD (none: open-ended)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Narrow an agreement (fewer kinds or purposes, an earlier end) or lengthen its period."""
        try:
            with cli_session() as session:
                agreement, kind_of = consent.change(
                    session,
                    audit.OPERATOR,
                    agreement_id,
                    kind,
                    purpose,
                    consent_views.day_or_none(until, "until"),
                )
                out = consent.agreement_dict(agreement) | {"change": kind_of}
        except (ServitizeError, ValueError) as exc:
            _fail(exc)
        if as_json:
            emit_json(out)
        else:
            say(f"agreement {agreement_id}: {kind_of or 'nothing changed'}")

    @consent_app.command("record")
    def record(
        account: Annotated[str, typer.Argument(help="the account's external id or id")],
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """An account's agreements with their state, every change, and what used the data."""
        try:
            with cli_session() as session:
                account_id = records.account_id_of(session, account)
                [r] = consent_record.records_of(
                    session, consent_list.account_names(session, [account_id])
                )
                out = consent_record.as_dict(r)
        except (ServitizeError, ValueError) as exc:
            _fail(exc)
        if as_json:
            emit_json(out)
            return
        say(f"{out['account_name']}:")
        for a in out["agreements"]:
            say(
                f"  agreement {a['id']}: {a['state']}, {' '.join(a['data_kinds'])} for "
                f"{' '.join(a['purposes'])}"
            )
        for c in out["history"]:
            say(
                f"  {c['at'][:16]} {c['change']} of {c['agreement_id']} by {c['actor']} ({c['by']})"
            )
        for u in out["uses"]:
            say(f"  {u['month']} {u['label']} for {u['purpose']}: {u['runs']}")

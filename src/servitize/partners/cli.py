"""``servitize partners`` and ``servitize competitors``: the same records and numbers as the
pages and the API. Human output is plain words; ``--json`` for machines; an error is one line
naming the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from servitize.core.console import emit_json, stdout
from servitize.core.errors import InvalidInput, NotFound, reasons
from servitize.core.lazy import lazy
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context

service = lazy("servitize.partners.service")
competition = lazy("servitize.partners.competition")
repo = lazy("servitize.partners.repository")
schemas = lazy("servitize.partners.schemas")

AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: operator)")]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def _out(text: str) -> None:
    """One line of a command's result for a person, on standard output, as written."""
    stdout.print(text, soft_wrap=True, markup=False, highlight=False)


def _partner_id(ctx: Context, key: str) -> int:
    if key.isdigit():
        return int(key)
    found = repo.partner_by_name(ctx.session, key)
    if found is None:
        raise NotFound(f"partner {key!r} not found")
    return int(found.id)


def _competitor_id(ctx: Context, key: str) -> int:
    if key.isdigit():
        return int(key)
    found = repo.competitor_by_name(ctx.session, key)
    if found is None:
        raise NotFound(f"competitor {key!r} not found")
    return int(found.id)


def _accounts(ctx: Context, numbers: list[str], field: str) -> list[int]:
    found = repo.visible_by_number(ctx.session, ctx.user, numbers)
    for n in numbers:
        if n not in found:
            raise InvalidInput(f"{field}: no account numbered {n!r}")
    return [found[n] for n in numbers]


def _print_partner(d: dict[str, Any]) -> None:
    _out(f"partner {d['id']}: {d['name']} ({d['kind'].replace('_', ' ')})")
    _out(f"  role: {d['role']}")
    if d["boundary"]:
        _out(f"  boundary: {d['boundary']}")
    if d["activity_codes"]:
        _out(f"  may also be assigned: {', '.join(d['activity_codes'])}")
    if d["dealer_account"]:
        _out(f"  dealer account: {d['dealer_account']['name']}")
    if d["accounts"]:
        _out("  works on: " + ", ".join(a["name"] for a in d["accounts"]))
    if d["offerings"]:
        _out("  offerings: " + ", ".join(o["name"] for o in d["offerings"]))
    contact = d["contact"]
    if contact["name"] or contact["email"]:
        _out(
            "  contact: "
            + " · ".join(x for x in (contact["name"], contact["email"], contact["phone"]) if x)
        )
    if d["users"]:
        _out("  users: " + ", ".join(d["users"]))
    _out(f"  assigned activities: {d['assigned_activities']}")


def register(app: typer.Typer) -> None:
    """Add ``servitize partners`` and ``servitize competitors``."""
    partners = typer.Typer(no_args_is_help=True, help="Partners and dealers around an account.")
    app.add_typer(partners, name="partners")
    competitors = typer.Typer(
        no_args_is_help=True, help="Competitors by type, their installed base and actions."
    )
    app.add_typer(competitors, name="competitors")

    @partners.command("list")
    def list_partners(
        kind: Annotated[
            str | None,
            typer.Option(
                help="subcontractor, software_provider, data_provider, integrator or dealer"
            ),
        ] = None,
        account: Annotated[
            str | None, typer.Option(help="an account number: the partners working on it")
        ] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Partners and dealers by name."""

        def work(ctx: Context) -> list[dict[str, Any]]:
            account_id = _accounts(ctx, [account], "account")[0] if account else None
            return [
                v.as_dict() for v in service.list_partners(ctx, kind=kind, account_id=account_id)
            ]

        data = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(data)
            return
        for d in data:
            _out(f"{d['id']:>5}  {d['name']}  ({d['kind'].replace('_', ' ')}): {d['role']}")
        if not data:
            _out("no partner")

    @partners.command("add")
    def add_partner(
        name: str,
        kind: Annotated[
            str,
            typer.Option(
                help="subcontractor, software_provider, data_provider, integrator or dealer"
            ),
        ],
        role: Annotated[str, typer.Option(help="its role, in words")],
        boundary: Annotated[str | None, typer.Option(help="what it does and does not do")] = None,
        activity: Annotated[
            list[str] | None,
            typer.Option(help="a blueprint activity code it may be assigned (repeat)"),
        ] = None,
        account: Annotated[
            list[str] | None, typer.Option(help="an account number it works on (repeat)")
        ] = None,
        offering: Annotated[
            list[int] | None, typer.Option(help="an offering id it works on (repeat)")
        ] = None,
        dealer: Annotated[
            str | None, typer.Option(help="the dealer account's number (kind dealer)")
        ] = None,
        contact: Annotated[str | None, typer.Option(help="contact person")] = None,
        email: Annotated[str | None, typer.Option(help="contact e-mail")] = None,
        phone: Annotated[str | None, typer.Option(help="contact phone")] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Add a partner (audited)."""

        def work(ctx: Context) -> dict[str, Any]:
            try:
                data = schemas.PartnerIn.model_validate(
                    {
                        "name": name,
                        "kind": kind,
                        "role": role,
                        "boundary": boundary,
                        "activity_codes": activity or [],
                        "account_ids": _accounts(ctx, account or [], "account"),
                        "offering_ids": offering or [],
                        "dealer_account_id": (
                            _accounts(ctx, [dealer], "dealer")[0] if dealer else None
                        ),
                        "contact_name": contact,
                        "contact_email": email,
                        "contact_phone": phone,
                    }
                )
            except ValidationError as exc:
                raise InvalidInput(reasons(exc)) from None
            p = service.create_partner(ctx, data)
            return dict(service.get_partner(ctx, p.id).as_dict())

        d = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(d)
            return
        _out(f"added partner {d['id']}: {d['name']}")

    @partners.command("show")
    def show_partner(
        partner: Annotated[str, typer.Argument(help="the partner's id or name")],
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """One partner: role, boundary, accounts, offerings, contact, users."""

        def work(ctx: Context) -> dict[str, Any]:
            return dict(service.get_partner(ctx, _partner_id(ctx, partner)).as_dict())

        d = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(d)
            return
        _print_partner(d)

    @partners.command("link-user")
    def link_user(
        partner: Annotated[str, typer.Argument(help="the partner's id or name")],
        username: Annotated[str, typer.Argument(help="a user of role partner")],
        as_user: AsUser = None,
    ) -> None:
        """Make a user of role partner belong to the partner (a dealer's: the dealer's scope)."""

        def work(ctx: Context) -> str:
            service.link_user(ctx, _partner_id(ctx, partner), username)
            return username

        run_in_context(work, as_user)
        _out(f"{username} now belongs to {partner}")

    @competitors.command("list")
    def list_competitors(
        type: Annotated[
            str | None,
            typer.Option(
                "--type",
                help="machine_manufacturer, diversified_technology_firm, service_start_up or own_service_organisation",
            ),
        ] = None,
        csv: Annotated[bool, typer.Option("--csv", help="print the CSV of the list")] = False,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """The master by type: machines held, share of the installed base, win/loss."""

        def work(ctx: Context) -> Any:
            if csv:
                return competition.list_csv(ctx, type)
            rows, total = competition.list_competitors(ctx, type)
            return {"machines": total, "competitors": [r.as_dict() for r in rows]}

        data = run_in_context(work, as_user, as_json)
        if csv:
            typer.echo(data, nl=False)
            return
        if as_json:
            emit_json(data)
            return
        _out(f"installed base: {data['machines']:,} machines (ours and theirs)")
        for d in data["competitors"]:
            _out(
                f"{d['id']:>5}  {d['name']:<28} {d['type_words']:<40} "
                f"{d['machines']:>7,} machines {100 * d['share']:5.1f} %  "
                f"won {d['won']} · lost {d['lost']}"
            )

    @competitors.command("add")
    def add_competitor(
        name: str,
        type: Annotated[
            str,
            typer.Option(
                "--type",
                help="machine_manufacturer, diversified_technology_firm, service_start_up or own_service_organisation",
            ),
        ],
        products: Annotated[str | None, typer.Option(help="its products")] = None,
        alias: Annotated[
            list[str] | None, typer.Option(help="another name its machines carry (repeat)")
        ] = None,
        notes: Annotated[str | None, typer.Option()] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Add a competitor to the master (audited)."""

        def work(ctx: Context) -> dict[str, Any]:
            try:
                data = schemas.CompetitorIn.model_validate(
                    {
                        "name": name,
                        "type": type,
                        "products": products,
                        "aliases": alias or [],
                        "notes": notes,
                    }
                )
            except ValidationError as exc:
                raise InvalidInput(reasons(exc)) from None
            c = competition.create_competitor(ctx, data)
            return dict(competition.get_competitor(ctx, c.id).as_dict())

        d = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(d)
            return
        machines = sum(x["machines"] for x in d["installed_base"])
        _out(
            f"added competitor {d['id']}: {d['name']} ({d['type_words']}), "
            f"{machines} machines at {len(d['installed_base'])} accounts"
        )

    @competitors.command("action")
    def record_action(
        competitor: Annotated[str, typer.Argument(help="the competitor's id or name")],
        kind: Annotated[str, typer.Option(help="price, offer or contract_won")],
        source: Annotated[str, typer.Option(help="where it was seen or heard")],
        on: Annotated[str, typer.Option(help="the day, YYYY-MM-DD (default: today)")] = "",
        account: Annotated[
            str | None, typer.Option(help="the account number where it happened")
        ] = None,
        detail: Annotated[str | None, typer.Option()] = None,
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """Record an observed action (a new competitor at the account raises an alert)."""

        def work(ctx: Context) -> dict[str, Any]:
            try:
                day = date.fromisoformat(on) if on else ctx.today
            except ValueError:
                raise InvalidInput(f"on: {on!r} is not a day (YYYY-MM-DD)") from None
            cid = _competitor_id(ctx, competitor)
            try:
                data = schemas.ActionIn.model_validate(
                    {
                        "kind": kind,
                        "observed_on": day,
                        "source": source,
                        "account_id": _accounts(ctx, [account], "account")[0] if account else None,
                        "detail": detail,
                    }
                )
            except ValidationError as exc:
                raise InvalidInput(reasons(exc)) from None
            before = len(competition.alerts(ctx))
            row = competition.record_action(ctx, cid, data)
            return {"id": row.id, "alert": len(competition.alerts(ctx)) > before}

        d = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(d)
            return
        _out(
            f"recorded action {d['id']}"
            + ("; the competitor is new at the account: alert raised" if d["alert"] else "")
        )

    @competitors.command("show")
    def show_competitor(
        competitor: Annotated[str, typer.Argument(help="the competitor's id or name")],
        as_user: AsUser = None,
        as_json: AsJson = False,
    ) -> None:
        """One competitor: installed base per account, actions, win/loss."""

        def work(ctx: Context) -> dict[str, Any]:
            return dict(competition.get_competitor(ctx, _competitor_id(ctx, competitor)).as_dict())

        d = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json(d)
            return
        _out(f"competitor {d['id']}: {d['name']} ({d['type_words']})")
        if d["products"]:
            _out(f"  products: {d['products']}")
        _out(f"  won {d['won']} · lost {d['lost']} against it")
        for s in d["installed_base"]:
            _out(
                f"  {s['account_name']}: {s['machines']} of {s['of_machines']} machines "
                f"({100 * s['share']:.1f} %), {s['known_by']}"
            )
        for a in d["actions"]:
            where = f" at {a['account_name']}" if a["account_name"] else ""
            _out(f"  {a['observed_on']} {a['kind'].replace('_', ' ')}{where} ({a['source']})")

    @competitors.command("scan")
    def scan(as_user: AsUser = None, as_json: AsJson = False) -> None:
        """Look for competitors new at an account (run after importing machines)."""

        def work(ctx: Context) -> int:
            return len(competition.scan(ctx))

        n = run_in_context(work, as_user, as_json)
        if as_json:
            emit_json({"raised": n})
            return
        _out(f"{n} new alert{'s' if n != 1 else ''}")

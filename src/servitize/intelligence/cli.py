"""``servitize features|segments|leads|model``: the intelligence batch jobs and lists."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from servitize.core.console import emit_json, say
from servitize.core.lazy import lazy
from servitize.intelligence.models import Attitude
from servitize.trust.audit import Actor
from servitize.trust.cli import run_in_context
from servitize.trust.context import Context, cli_context

# scikit-learn, Ibis and DuckDB load when a command runs, not for `servitize --help`.
features = lazy("servitize.intelligence.features")
proficiency = lazy("servitize.intelligence.proficiency")
queries = lazy("servitize.intelligence.queries")
scoring = lazy("servitize.intelligence.scoring")
service = lazy("servitize.intelligence.service")

AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="cutoff day (default: today)"),
]
Json = Annotated[bool, typer.Option("--json", help="print JSON on standard output")]
CLI = Actor("cli")


def _day(value: datetime | None, ctx: Context) -> date:
    return value.date() if value else ctx.today


def register(app: typer.Typer) -> None:
    """Add the intelligence commands."""
    feats = typer.Typer(no_args_is_help=True, help="The feature registry.")
    segs = typer.Typer(no_args_is_help=True, help="Segments for advanced services.")
    leads = typer.Typer(no_args_is_help=True, help="Leads from the installed base.")
    model = typer.Typer(no_args_is_help=True, help="The tendency-to-buy model.")
    for sub, name in ((feats, "features"), (segs, "segments"), (leads, "leads"), (model, "model")):
        app.add_typer(sub, name=name)

    @feats.command("list")
    def features_list(as_json: Json = False) -> None:
        """Every named feature: slug, label, unit, level, source."""
        rows = features.describe()
        if as_json:
            emit_json(rows)
            return
        table = Table("key", "label", "unit", "source")
        for r in rows:
            table.add_row(r["key"], r["label"], r["unit"], r["source"])
        say(table)

    @segs.command("run")
    def segments_run(as_of: AsOf = None, as_json: Json = False) -> None:
        """Score every account on the four dimensions and store its segment."""
        with cli_context() as ctx:
            day = _day(as_of, ctx)
            counts = service.run_segments(ctx.session, day, settings=ctx.settings)
        out = {"as_of": day, "accounts": sum(counts.values()), "by_label": dict(counts)}
        emit_json(out) if as_json else say(out)

    @app.command("proficiency")
    def proficiency_set(
        username: Annotated[str, typer.Argument(help="an account owner or sales manager")],
        level: Annotated[int, typer.Argument(min=1, max=5, help="1 basic .. 5 expert")],
        as_user: Annotated[str | None, typer.Option("--as", help="record as this user")] = None,
    ) -> None:
        """Record a salesperson's digital-twin selling proficiency (audited)."""

        out = run_in_context(
            lambda ctx: proficiency.record_level_of(ctx.session, ctx.user, username, level),
            as_user,
        )
        say(f"[green]{out.username}: proficiency {out.level}[/]")

    @segs.command("attitude")
    def segments_attitude(account: str, attitude: Attitude, note: str = "") -> None:
        """Record an account's stated attitude toward Industrial Internet and services."""
        with cli_context() as ctx:
            if service.record_attitude(ctx.session, CLI, account, attitude, note) is None:
                raise typer.BadParameter(f"no account {account!r}")
        say(f"[green]{account}: {attitude.value}[/]")

    @leads.command("generate")
    def leads_generate(
        as_of: AsOf = None,
        as_json: Json = False,
        no_model: Annotated[bool, typer.Option("--no-model")] = False,
    ) -> None:
        """Regenerate leads as of a day; counts by source and offering."""
        with cli_context() as ctx:
            out = service.generate_leads(
                ctx.session,
                _day(as_of, ctx),
                actor=CLI,
                use_model=not no_model,
                settings=ctx.settings,
            )
        emit_json(out) if as_json else say(out)

    @leads.command("list")
    def leads_list(
        as_json: Json = False,
        account_id: int | None = None,
        limit: Annotated[int, typer.Option(min=1, max=100_000)] = 10_000,
    ) -> None:
        """Every open lead: account, offering, source, value, score, story, evidence."""
        with cli_context() as ctx:
            page = queries.list_leads(ctx.session, ctx.user, account_id, limit=limit)
        if as_json:
            emit_json(page)
            return
        for lead in page.items:
            say(f"[bold]{lead.account}[/] · {lead.offering_key} · {lead.score}\n  {lead.story}")

    @model.command("evaluate")
    def model_evaluate(as_of: AsOf = None, as_json: Json = False) -> None:
        """Train on earlier cutoffs, test on the later period, compare with recency."""
        with cli_context() as ctx:
            _, ev, _ = scoring.evaluate(
                ctx.session,
                ctx.settings.intelligence,
                as_of.date() if as_of else None,
                company=ctx.settings.company_currency,
                today=ctx.today,
            )
        if as_json:
            emit_json(asdict(ev))
            return
        say(f"Test period {ev.test_from} .. {ev.test_to}, precision at {ev.k}:")
        say(
            f"  all {ev.rows_test:,} rows ({ev.positives_test:,} bought): model "
            f"{ev.model}, recency {ev.baseline}"
        )
        pop = ev.lead_population
        if pop is not None:
            say(
                f"  lead population, family not bought within {pop.not_bought_days} "
                f"days: {pop.rows:,} rows ({pop.positives:,} bought): model "
                f"{pop.model}, recency {pop.baseline}"
            )

    @model.command("train")
    def model_train(as_of: AsOf = None, as_json: Json = False) -> None:
        """Train, evaluate and store a versioned model file; leads then use it."""
        with cli_context() as ctx:
            settings = ctx.settings
            run, ev = scoring.train(
                ctx.session,
                settings.data_dir / "models",
                settings.intelligence,
                as_of.date() if as_of else None,
                company=settings.company_currency,
                today=ctx.today,
            )
            out = {"version": run.version, "path": run.path, **asdict(ev)}
        emit_json(out) if as_json else say(out)

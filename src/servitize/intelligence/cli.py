"""``servitize features|segments|leads|model``: the intelligence batch jobs and lists."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from servitize.core.console import cli_session, console, emit_json
from servitize.core.errors import NotFound
from servitize.core.lazy import lazy
from servitize.core.settings import IntelligenceSettings, Settings
from servitize.installed_base.models import Account
from servitize.intelligence.models import Attitude, ReadinessAttitude
from servitize.trust.audit import Actor, record
from servitize.trust.cli import run_as
from servitize.trust.models import User
from servitize.trust.service import acting_user

# scikit-learn, Ibis and DuckDB load when a command runs, not for `servitize --help`.
features = lazy("servitize.intelligence.features")
proficiency = lazy("servitize.intelligence.proficiency")
if TYPE_CHECKING:
    from servitize.intelligence.proficiency import Seller
queries = lazy("servitize.intelligence.queries")
scoring = lazy("servitize.intelligence.scoring")
service = lazy("servitize.intelligence.service")

AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="cutoff day (default: today)"),
]
Json = Annotated[bool, typer.Option("--json", help="print JSON on standard output")]
CLI = Actor("cli")


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


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
        console.print(table)

    @segs.command("run")
    def segments_run(as_of: AsOf = None, as_json: Json = False) -> None:
        """Score every account on the four dimensions and store its segment."""
        with cli_session() as session:
            counts = service.run_segments(session, _day(as_of))
        out = {"as_of": _day(as_of), "accounts": sum(counts.values()), "by_label": dict(counts)}
        emit_json(out) if as_json else console.print(out)

    @app.command("proficiency")
    def proficiency_set(
        username: Annotated[str, typer.Argument(help="an account owner or sales manager")],
        level: Annotated[int, typer.Argument(min=1, max=5, help="1 basic .. 5 expert")],
        as_user: Annotated[str | None, typer.Option("--as", help="record as this user")] = None,
    ) -> None:
        """Record a salesperson's digital-twin selling proficiency (audited)."""

        def work(session: Session, actor: User) -> Seller:
            seller = session.scalar(select(User).where(User.username == username))
            if seller is None:
                raise NotFound(f"no user {username!r}")
            return proficiency.record_level(session, actor, seller.id, level)

        out = run_as(work, as_user)
        console.print(f"[green]{out.username}: proficiency {out.level}[/]")

    @segs.command("attitude")
    def segments_attitude(account: str, attitude: Attitude, note: str = "") -> None:
        """Record an account's stated attitude toward Industrial Internet and services."""
        with cli_session() as session:
            acc = session.scalar(select(Account).where(Account.external_id == account))
            if acc is None:
                raise typer.BadParameter(f"no account {account!r}")
            row = session.scalar(
                select(ReadinessAttitude).where(ReadinessAttitude.account_id == acc.id)
            ) or ReadinessAttitude(account_id=acc.id)
            row.attitude, row.note = attitude.value, note or None
            session.add(row)
            session.flush()
            record(
                session,
                CLI,
                "update",
                "readiness_attitude",
                row.id,
                after={"account_id": acc.id, "attitude": attitude.value},
            )
        console.print(f"[green]{account}: {attitude.value}[/]")

    @leads.command("generate")
    def leads_generate(
        as_of: AsOf = None,
        as_json: Json = False,
        no_model: Annotated[bool, typer.Option("--no-model")] = False,
    ) -> None:
        """Regenerate leads as of a day; counts by source and offering."""
        with cli_session() as session:
            out = service.generate_leads(session, _day(as_of), actor=CLI, use_model=not no_model)
        emit_json(out) if as_json else console.print(out)

    @leads.command("list")
    def leads_list(
        as_json: Json = False,
        account_id: int | None = None,
        limit: Annotated[int, typer.Option(min=1, max=100_000)] = 10_000,
    ) -> None:
        """Every open lead: account, offering, source, value, score, story, evidence."""
        with cli_session() as session:
            page = queries.list_leads(session, acting_user(session, None), account_id, limit=limit)
        if as_json:
            emit_json(page)
            return
        for lead in page.items:
            console.print(
                f"[bold]{lead.account}[/] · {lead.offering_key} · {lead.score}\n  {lead.story}"
            )

    @model.command("evaluate")
    def model_evaluate(as_of: AsOf = None, as_json: Json = False) -> None:
        """Train on earlier cutoffs, test on the later period, compare with recency."""
        s = IntelligenceSettings()
        with cli_session() as session:
            _, ev, _ = scoring.evaluate(session, s, as_of.date() if as_of else None)
        if as_json:
            emit_json(asdict(ev))
            return
        console.print(f"Test period {ev.test_from} .. {ev.test_to}, precision at {ev.k}:")
        console.print(
            f"  all {ev.rows_test:,} rows ({ev.positives_test:,} bought): model "
            f"{ev.model}, recency {ev.baseline}"
        )
        pop = ev.lead_population
        if pop is not None:
            console.print(
                f"  lead population, family not bought within {pop.not_bought_days} "
                f"days: {pop.rows:,} rows ({pop.positives:,} bought): model "
                f"{pop.model}, recency {pop.baseline}"
            )

    @model.command("train")
    def model_train(as_of: AsOf = None, as_json: Json = False) -> None:
        """Train, evaluate and store a versioned model file; leads then use it."""
        s, settings = IntelligenceSettings(), Settings()
        with cli_session(settings) as session:
            run, ev = scoring.train(
                session, settings.data_dir / "models", s, as_of.date() if as_of else None
            )
            out = {"version": run.version, "path": run.path, **asdict(ev)}
        emit_json(out) if as_json else console.print(out)

"""Build the sample manufacturer: files, schema, import, logins. Later capabilities add steps."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from servitize.contracts.demo import demo_contract
from servitize.contracts.models import AvailabilityContract
from servitize.core import migrate
from servitize.core.console import console
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.errors import InvalidInput
from servitize.core.settings import IntelligenceSettings, Settings
from servitize.demo.generate import write_demo_data
from servitize.field import service as field_service
from servitize.installed_base.importing.service import import_directory
from servitize.installed_base.models import Account, Visit
from servitize.intelligence import scoring
from servitize.intelligence import service as intelligence_service
from servitize.telemetry.store import TelemetryStore
from servitize.trust.audit import Actor
from servitize.trust.models import Role, User
from servitize.trust.passwords import hash_password
from servitize.trust.service import create_user

DEMO = Actor("demo")


def build_demo(
    settings: Settings,
    workdir: Path,
    *,
    accounts: int,
    seed: int,
    password: str,
    today: date | None = None,
) -> dict[str, str]:
    """Write the sample files, import them, give every demo user the password; logins by role."""
    files = write_demo_data(workdir, accounts=accounts, seed=seed, today=today, progress=True)
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        results = import_directory(engine, workdir, actor=DEMO, today=today, progress=True)
        rejected = {kind: r.rejected for kind, r in results.items() if r.rejected}
        if rejected:
            raise InvalidInput(f"the sample data had rejected rows: {rejected}")
        console.print(
            f"imported {sum(r.landed for r in results.values()):,} rows from {len(files)} files"
        )
        with session_scope(session_factory(engine)) as session:
            _intelligence(session, settings, today or date.today())
            demo_contract(
                session, TelemetryStore(settings.telemetry_dir), DEMO, today or date.today()
            )
            return _logins(session, password, today or date.today())
    finally:
        engine.dispose()


def _intelligence(session, settings: Settings, today: date) -> None:
    """Train the tendency-to-buy model, score segments, raise leads with their stories."""
    s = IntelligenceSettings()
    with console.status("training the tendency-to-buy model"):
        run, evaluation = scoring.train(session, settings.data_dir / "models", s, today)
    console.print(
        f"model {run.version}: ROC AUC {evaluation.model['roc_auc']:.3f} "
        f"vs recency {evaluation.baseline['roc_auc']:.3f}"
    )
    segments = intelligence_service.run_segments(session, today, s)
    console.print("segments: " + ", ".join(f"{label} {n}" for label, n in segments.most_common()))
    leads = intelligence_service.generate_leads(session, today, s, DEMO)
    sources = ", ".join(f"{n} {source}" for source, n in leads["by_source"].items())
    routed = field_service.route_new_leads(session, DEMO, today)
    console.print(
        f"leads: {leads['created'] + leads['updated']} open ({sources}); routed: {routed}"
    )


def _logins(session, password: str, today: date) -> dict[str, str]:
    """Every demo user gets the demo password; an admin is added; one login per role shown.

    The technician shown is the one with the most visits this week, so "Today" has content;
    the account owner shown owns the demo availability contract, so its report is visible.
    """
    if session.scalar(select(User.id).where(User.username == "admin")) is None:
        create_user(
            session, DEMO, "admin", Role.admin.value, full_name="Demo Admin", with_token=False
        )
    busiest = session.scalar(
        select(Visit.technician_id)
        .where(Visit.day >= today, Visit.day < today + timedelta(days=7))
        .group_by(Visit.technician_id)
        .order_by(func.count().desc(), Visit.technician_id)
        .limit(1)
    )
    contract_owner = session.scalar(
        select(Account.owner_id)
        .join(AvailabilityContract, AvailabilityContract.account_id == Account.id)
        .where(AvailabilityContract.external_id == "AV-DEMO-1")
    )
    digest = hash_password(password)
    logins: dict[str, str] = {}
    for user in session.scalars(select(User).order_by(User.id)):
        user.password_hash = digest
        if user.id in (busiest, contract_owner):
            logins[user.role] = user.username
        logins.setdefault(user.role, user.username)
    return logins

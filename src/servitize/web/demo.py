"""Build the sample manufacturer: files, schema, import, logins. Later capabilities add steps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from servitize.contracts import repository as contracts
from servitize.contracts.demo import demo_contract
from servitize.core import migrate
from servitize.core.console import console
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.errors import InvalidInput
from servitize.core.settings import Settings
from servitize.demo import partners as partners_demo
from servitize.demo.generate import write_demo_data
from servitize.demo.kpis import demo_kpis
from servitize.demo.kpis import in_words as kpis_in_words
from servitize.demo.offers import demo_offers
from servitize.demo.offers import in_words as offers_in_words
from servitize.demo.org_types import demo_org_types
from servitize.demo.org_types import in_words as org_types_in_words
from servitize.demo.portal import demo_portal
from servitize.demo.portal import in_words as portal_in_words
from servitize.demo.story import demo_story
from servitize.demo.story import in_words as story_in_words
from servitize.demo.value import demo_value
from servitize.demo.value import in_words as value_in_words
from servitize.field import service as field_service
from servitize.installed_base import repository as installed_base
from servitize.installed_base.importing.service import import_directory
from servitize.intelligence import scoring
from servitize.intelligence import service as intelligence_service
from servitize.service_work.demo import demo_service_work
from servitize.service_work.demo import in_words as work_in_words
from servitize.telemetry import consent_demo
from servitize.telemetry.store import TelemetryStore
from servitize.trust import repository as trust
from servitize.trust.audit import Actor
from servitize.trust.models import Role
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
            logins = _logins(session, password, today or date.today())
            offers = demo_offers(
                session, settings, TelemetryStore(settings.telemetry_dir), today or date.today()
            )
            console.print(offers_in_words(offers))
            console.print(value_in_words(demo_value(session, settings, today or date.today())))
            console.print(
                consent_demo.in_words(
                    consent_demo.demo_consent(session, DEMO, today or date.today())
                )
            )
            console.print(kpis_in_words(demo_kpis(session, settings, today or date.today())))
            console.print(
                work_in_words(demo_service_work(session, settings, today or date.today()))
            )
            day = today or date.today()
            console.print(org_types_in_words(demo_org_types(session, settings, day)))
            portal = demo_portal(session, settings, day)
            console.print(portal_in_words(portal))
            # The printed logins work together (demo.story); the last step, after every other.
            console.print(story_in_words(demo_story(session, settings, logins, day)))
            return logins | portal.logins | partners_demo.run(session, settings, day)
    finally:
        engine.dispose()


def _intelligence(session, settings: Settings, today: date) -> None:
    """Train the tendency-to-buy model, score segments, raise leads with their stories."""
    s = settings.intelligence
    with console.status("training the tendency-to-buy model"):
        run, evaluation = scoring.train(
            session,
            settings.data_dir / "models",
            s,
            today,
            company=settings.company_currency,
            today=today,
        )
    console.print(
        f"model {run.version}: ROC AUC {evaluation.model['roc_auc']:.3f} "
        f"vs recency {evaluation.baseline['roc_auc']:.3f}"
    )
    segments = intelligence_service.run_segments(session, today, s, settings=settings)
    console.print("segments: " + ", ".join(f"{label} {n}" for label, n in segments.most_common()))
    leads = intelligence_service.generate_leads(session, today, s, DEMO, settings=settings)
    sources = ", ".join(f"{n} {source}" for source, n in leads["by_source"].items())
    routed = field_service.route_new_leads(session, DEMO, today, settings.field, settings)
    console.print(
        f"leads: {leads['created'] + leads['updated']} open ({sources}); routed: {routed}"
    )


def _logins(session, password: str, today: date) -> dict[str, str]:
    """Every demo user gets the demo password; an admin is added; one login per role shown.

    The technician shown is the one with the most visits this week, so "Today" has content;
    the account owner shown owns the demo availability contract, so its report is visible.
    """
    if not trust.username_taken(session, "admin"):
        create_user(
            session, DEMO, "admin", Role.admin.value, full_name="Demo Admin", with_token=False
        )
    busiest = installed_base.busiest_technician(session, today, days=7)
    contract = contracts.contract_by_external_id(session, "AV-DEMO-1")
    accounts = installed_base.accounts_by_id(session, {contract.account_id} if contract else set())
    contract_owner = accounts[contract.account_id].owner_id if contract else None
    digest = hash_password(password)
    logins: dict[str, str] = {}
    for user in trust.users_in_order(session):
        user.password_hash = digest
        if user.id in (busiest, contract_owner):
            logins[user.role] = user.username
        logins.setdefault(user.role, user.username)
    return logins

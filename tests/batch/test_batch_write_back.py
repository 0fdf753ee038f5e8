"""The batch writes segments and leads back in bulk, from its own features: the same rows the
services' own runs store (``intelligence.service.run_segments`` and ``generate_leads``), on the
batch's sample and on the demo manufacturer with a trained tendency-to-buy model.

Each round works out the services' rows first, in a transaction that is rolled back, then runs
the batch (which commits) on the same records and compares every stored field and every audit
entry. Rounds: new leads; two weeks later (open leads updated, one dismissed lead kept quiet);
past the leads' lifetime (the old ones expired, new ones created). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from servitize.batch import run_batch
from servitize.core.db import make_engine, session_factory, session_scope
from servitize.core.settings import Settings
from servitize.demo.generate import write_demo_data
from servitize.installed_base.importing.service import import_directory
from servitize.intelligence import scoring, service
from servitize.intelligence.models import Lead
from servitize.trust.audit import Actor
from tests.batch.records import AS_OF, fill_records
from tests.batch.sample import write_sample
from tests.conftest import BACKENDS, migrated_database

pytestmark = [pytest.mark.slow]

LEAD_FIELDS = (
    "account_id",
    "offering_id",
    "offering_key",
    "asset_ids",
    "source",
    "rule",
    "score",
    "estimated_value_cents",
    "currency",
    "story",
    "evidence",
    "status",
    "as_of",
    "expires_on",
    "dismissed_reason",
    "quiet_until",
)
SEGMENT_FIELDS = (
    "account_id",
    "as_of",
    "label",
    "readiness",
    "digital_infrastructure",
    "own_share",
    "age_class",
    "priority",
    "go_to_market",
    "reasons",
    "scores",
)


def _plain(value: Any) -> Any:
    """A stored value as comparable data: JSON text parsed (SQLite hands JSON back as text)."""
    if isinstance(value, str) and value[:1] in "[{":
        import json

        return json.loads(value)
    return value


def _leads(session: Session) -> tuple[dict[tuple[Any, ...], dict[str, Any]], list[Any]]:
    """Every lead by (account, offering, status, as_of) and the lead audit entries, lead ids
    replaced by those keys (ids differ between the rolled-back run and the batch's)."""
    cols = ", ".join(f'"{c}"' for c in ("id", *LEAD_FIELDS))
    rows = [dict(r._mapping) for r in session.execute(sa.text(f"SELECT {cols} FROM lead"))]
    key_of = {
        r["id"]: (r["account_id"], r["offering_key"], r["status"], str(r["as_of"])) for r in rows
    }
    assert len(key_of) == len(set(key_of.values())), "one lead per key"
    leads = {key_of[r["id"]]: {k: _plain(r[k]) for k in LEAD_FIELDS} for r in rows}
    audit = sorted(
        (
            (
                r.action,
                r.actor,
                key_of[int(r.entity_id)],
                _plain(r.before),
                _plain(r.after),
            )
            for r in session.execute(
                sa.text(
                    "SELECT action, actor, entity_id, before, after FROM audit_entry "
                    "WHERE entity = 'lead'"
                )
            )
        ),
        key=repr,
    )
    return leads, audit


def _segments(session: Session) -> dict[int, dict[str, Any]]:
    cols = ", ".join(f'"{c}"' for c in SEGMENT_FIELDS)
    rows = session.execute(sa.text(f"SELECT {cols} FROM segment_assignment"))
    return {r.account_id: {k: _plain(v) for k, v in r._mapping.items()} for r in rows}


DATA = [(backend, data) for backend in BACKENDS for data in ("sample", "demo")]


def _demo(url: str, folder: Path) -> None:
    """The demo manufacturer (200 accounts) imported, and the tendency-to-buy model trained on
    it, so that the model's leads are written too."""
    write_demo_data(folder / "csv", 200, 11, AS_OF)
    engine = make_engine(url)
    try:
        import_directory(engine, folder / "csv", actor=Actor("test"), today=AS_OF)
        settings = Settings(data_dir=folder, database_url=url)
        with session_scope(session_factory(engine)) as session:
            scoring.train(
                session,
                folder / "models",
                settings.intelligence,
                AS_OF,
                company=settings.company_currency,
                today=AS_OF,
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=DATA, ids=["-".join(p) for p in DATA])
def records(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The batch's sample (with telemetry) or the demo manufacturer (with a trained model) on
    one backend: records database, folders and settings."""
    backend, data = request.param
    root = tmp_path_factory.mktemp(f"write_back_{backend}_{data}")
    with migrated_database(backend, f"write_back_{data}", tmp_path_factory) as url:
        if data == "sample":
            write_sample(root / "telemetry")
            fill_records(url)
        else:
            _demo(url, root)
        yield {
            "data": data,
            "root": root,
            "url": url,
            "settings": Settings(data_dir=root, database_url=url),
        }


def _reference(records: dict[str, Any], as_of: date) -> dict[str, Any]:
    """What the services store for ``as_of``, worked out in a transaction rolled back."""
    engine = make_engine(records["url"])
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            session = Session(bind=conn)
            settings = records["settings"]
            run = service.generate_leads(session, as_of, settings.intelligence, settings=settings)
            service.run_segments(session, as_of, settings.intelligence, settings=settings)
            session.flush()
            leads, audit = _leads(session)
            found = {"run": run, "leads": leads, "audit": audit, "segments": _segments(session)}
            session.close()
            trans.rollback()
    finally:
        engine.dispose()
    return found


def _stored(records: dict[str, Any]) -> dict[str, Any]:
    engine = make_engine(records["url"])
    try:
        with session_scope(session_factory(engine)) as session:
            leads, audit = _leads(session)
            return {"leads": leads, "audit": audit, "segments": _segments(session)}
    finally:
        engine.dispose()


def _batch(records: dict[str, Any], as_of: date, out: Path) -> None:
    run_batch(
        "duckdb",
        records["root"] / "telemetry",
        out,
        stages=["features", "segments", "leads"],
        progress=False,
        database_url=records["url"],
        as_of=as_of,
        settings=records["settings"],
    )


def _dismiss_one(records: dict[str, Any], day: date) -> None:
    """Dismiss the first open lead (committed): the next rounds keep it quiet."""
    engine = make_engine(records["url"])
    try:
        with session_scope(session_factory(engine)) as session:
            lead = session.scalars(sa.select(Lead).order_by(Lead.id).limit(1)).one()
            service.dismiss(
                session, lead, "not now", day, Actor("test"), records["settings"].intelligence
            )
    finally:
        engine.dispose()


def _same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert got["leads"].keys() == expected["leads"].keys()
    for key, row in expected["leads"].items():
        differ = {k: (v, got["leads"][key][k]) for k, v in row.items() if got["leads"][key][k] != v}
        assert not differ, (key, differ)
    assert got["audit"] == expected["audit"]
    assert got["segments"] == expected["segments"]


def test_the_batch_stores_the_services_leads_and_segments(
    records: dict[str, Any], tmp_path: Path
) -> None:
    rounds = [AS_OF, AS_OF + timedelta(days=14), AS_OF + timedelta(days=75)]
    for n, day in enumerate(rounds):
        expected = _reference(records, day)
        _batch(records, day, tmp_path / f"round{n}")
        got = _stored(records)
        _same(expected, got)
        run = expected["run"]
        if n == 0:
            assert run["created"] > 5 and not run["updated"], run
            assert len(set(run["by_offering"])) > 1, "several offers"
            assert len(got["segments"]) > 5
            if records["data"] == "demo":  # most rules' leads and the model's
                assert run["by_source"]["model"] > 10, run
                assert len({r["rule"] for r in got["leads"].values()}) >= 6
            _dismiss_one(records, day)
        elif n == 1:
            assert run["updated"] > 0 and run["quiet"] == 1, run
        else:
            assert run["expired"] > 0 and run["created"] > 0, run

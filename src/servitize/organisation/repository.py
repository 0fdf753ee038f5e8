"""Network models, scorings and versions in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servitize.organisation.models import NetworkModel, NetworkScoring, NetworkVersion


def add(session: Session, record: NetworkModel | NetworkScoring | NetworkVersion) -> None:
    """Store a new record (its id is known afterwards)."""
    session.add(record)
    session.flush()


def model(session: Session, model_id: int) -> NetworkModel | None:
    """A model by id."""
    return session.get(NetworkModel, model_id)


def models(session: Session, limit: int = 200) -> list[NetworkModel]:
    """The models, newest first."""
    return list(session.scalars(select(NetworkModel).order_by(NetworkModel.id.desc()).limit(limit)))


def scorings(session: Session, model_id: int) -> list[NetworkScoring]:
    """Everyone's scoring of a model, by scorer's name."""
    return list(
        session.scalars(
            select(NetworkScoring)
            .where(NetworkScoring.model_id == model_id)
            .order_by(NetworkScoring.scorer)
        )
    )


def scoring_of(session: Session, model_id: int, scorer: str) -> NetworkScoring | None:
    """One person's scoring of a model."""
    return session.scalar(
        select(NetworkScoring).where(
            NetworkScoring.model_id == model_id, NetworkScoring.scorer == scorer
        )
    )


def versions(session: Session, model_id: int) -> list[NetworkVersion]:
    """A model's consensus versions, oldest first."""
    return list(
        session.scalars(
            select(NetworkVersion)
            .where(NetworkVersion.model_id == model_id)
            .order_by(NetworkVersion.number)
        )
    )


def last_number(session: Session, model_id: int) -> int:
    """The number of a model's newest version (0: none yet)."""
    found = session.scalar(
        select(func.max(NetworkVersion.number)).where(NetworkVersion.model_id == model_id)
    )
    return int(found or 0)


def saved(session: Session) -> None:
    """Write pending changes (the edge commits)."""
    session.flush()

"""A fresh, migrated PostgreSQL database for a benchmark."""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

from servitize.core import migrate

SERVER = os.environ.get("SERVITIZE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_database(name: str, migrated: bool = True) -> str:
    """Drop and create database ``name``; return its URL (migrated unless told)."""
    url = make_url(SERVER.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    out = url.set(database=name).render_as_string(hide_password=False)
    if migrated:
        migrate.upgrade(out)
    return out

"""Alembic migrations of the records database (run with ``servitize db upgrade``)."""

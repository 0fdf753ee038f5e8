"""``servitize db``: schema migrations."""

from __future__ import annotations

import typer

from servitize.core.console import console
from servitize.core.lazy import lazy
from servitize.core.settings import Settings

migrate = lazy("servitize.core.migrate")  # Alembic loads when a db command runs


def register(app: typer.Typer) -> None:
    """Add the ``db`` commands."""
    db = typer.Typer(no_args_is_help=True, help="The records database.")
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade() -> None:
        """Create or migrate the records database to the newest schema."""
        settings = Settings()
        migrate.upgrade(settings.database_url)
        console.print(f"[green]database is up to date[/] ({_safe(settings.database_url)})")

    @db.command("check")
    def check() -> None:
        """Fail when the models and the migrations disagree."""
        migrate.check(Settings().database_url)
        console.print("[green]models and migrations agree[/]")


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}" if ":" in creds else url
    return url

"""`syncsvc store copy` and `syncsvc store migrate`."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from syncsvc.cli.common import HomeOption, open_app
from syncsvc.cli.output import console

store_app = typer.Typer(
    help="Move the store between databases; bring its schema up to date.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")


@store_app.command("copy")
def store_copy(
    ctx: typer.Context,
    to: Annotated[
        str, typer.Option("--to", help="Target URL, e.g. postgresql+psycopg://user@host/db.")
    ],
    home: HomeOption = None,
) -> None:
    """Copy this store into a new, empty database.

    Example: syncsvc store copy --to postgresql+psycopg://syncsvc@127.0.0.1/syncsvc
    Then set store.url in settings.toml (or SYNCSVC_STORE__URL) to use it.
    """
    with open_app(ctx, home=home) as app:
        result = app.copy_store(to)
    total = sum(result.rows.values())
    safe = make_url(to).render_as_string(hide_password=True)
    console.print(f"Copied {total} rows into {safe}. Now set store.url to it (docs/settings.md).")


@store_app.command("migrate")
def store_migrate(ctx: typer.Context, home: HomeOption = None) -> None:
    """Create or upgrade the schema (and the job engine's, in a distributed mode), then exit.

    Example: SYNCSVC_SERVICE__MODE=worker syncsvc store migrate
    Every command does this on start; this one does nothing else (deployments).
    """
    with open_app(ctx, home=home) as app:
        schema = app.migrate()
        engine = "with the job engine's tables" if schema.distributed else "single machine"
        safe = make_url(app.database_url).render_as_string(hide_password=True)
        console.print(f"Schema current ({engine}) in {schema.dialect} at {safe}.")

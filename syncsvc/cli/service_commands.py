"""`syncsvc serve` and `syncsvc strava webhook ...`."""

from __future__ import annotations

from typing import Annotated

import typer

from syncsvc.cli.common import HomeOption, JsonOption, open_app
from syncsvc.cli.output import console, emit
from syncsvc.errors import ConfigError

strava_app = typer.Typer(help="Strava's application settings.", no_args_is_help=True)
webhook_app = typer.Typer(
    help="Strava's webhook subscription (one per application).", no_args_is_help=True
)
strava_app.add_typer(webhook_app, name="webhook")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(strava_app, name="strava")


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (service.host).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (service.port, 8765).", min=1, max=65535)
    ] = None,
    log_json: Annotated[
        bool | None, typer.Option("--log-json/--log-text", help="Log JSON lines to stderr.")
    ] = None,
    web_only: Annotated[
        bool,
        typer.Option("--web-only", help="Serve HTTP only; the scheduler runs in another process."),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Run the feed, the webhook and the scheduler. Example: syncsvc serve --port 8765"""
    from syncsvc.server.serve import serve as run_service

    with open_app(ctx, home=home) as app:
        run_service(app.runtime, host=host, port=port, log_json=log_json, web_only=web_only)


def worker(
    ctx: typer.Context,
    log_json: Annotated[
        bool | None, typer.Option("--log-json/--log-text", help="Log JSON lines to stderr.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Run jobs of the distributed engine (service.mode web or worker, PostgreSQL).

    Example: SYNCSVC_SERVICE__MODE=worker syncsvc worker --log-json
    """
    from syncsvc.server.distributed import run_worker
    from syncsvc.server.logging_setup import configure_logging

    with open_app(ctx, home=home) as app:
        runtime = app.runtime
        if not runtime.distributed:
            raise ConfigError(
                "syncsvc worker runs the distributed job engine, and service.mode is single",
                hint="set service.mode = worker and store.url to PostgreSQL, or use syncsvc serve",
            )
        runtime.open_store()  # a bad store (SQLite here) is one line, before logging starts
        settings = runtime.settings
        configure_logging(
            json_lines=settings.service.log_json if log_json is None else log_json,
            level=settings.log_level if settings.log_level != "warning" else "info",
        )
        run_worker(runtime)


@webhook_app.command("register")
def webhook_register(
    ctx: typer.Context,
    callback_url: Annotated[
        str,
        typer.Option("--callback-url", help="https://your.host/webhooks/strava (must be up)."),
    ],
    home: HomeOption = None,
) -> None:
    """Subscribe. Example: syncsvc strava webhook register --callback-url https://x.org/webhooks/strava"""
    with open_app(ctx, home=home) as app:
        subscription = app.create_strava_subscription(callback_url)
    console.print(f"Subscribed: id {subscription.id}.")
    console.print(
        f"Set strava.subscription_id = {subscription.id} (settings.toml, or "
        f"SYNCSVC_STRAVA__SUBSCRIPTION_ID={subscription.id}) and restart the service."
    )


@webhook_app.command("list")
def webhook_list(
    ctx: typer.Context, json_output: JsonOption = False, home: HomeOption = None
) -> None:
    """Show the subscription. Example: syncsvc strava webhook list --json"""
    with open_app(ctx, home=home) as app:
        subscriptions = app.strava_subscriptions()
        configured = app.strava_subscription_id

    def show() -> None:
        if not subscriptions:
            console.print("No webhook subscription.")
        for s in subscriptions:
            mark = " (configured)" if s.id == configured else ""
            console.print(f"{s.id}  {s.callback_url}  {s.created_at}{mark}")

    emit(
        json_output,
        lambda: [
            {
                "id": s.id,
                "callback_url": s.callback_url,
                "created_at": s.created_at,
                "configured": s.id == configured,
            }
            for s in subscriptions
        ],
        show,
    )


@webhook_app.command("delete")
def webhook_delete(
    ctx: typer.Context,
    subscription_id: Annotated[
        int | None, typer.Argument(help="Default: strava.subscription_id, else the only one.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Unsubscribe. Example: syncsvc strava webhook delete"""
    with open_app(ctx, home=home) as app:
        deleted = app.delete_strava_subscription(subscription_id)
    console.print(f"Deleted webhook subscription {deleted}.")

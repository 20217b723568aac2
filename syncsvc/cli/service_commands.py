"""`syncsvc serve` and `syncsvc strava webhook ...`."""

from __future__ import annotations

from typing import Annotated

import typer

from syncsvc.cli.common import HomeOption, JsonOption, open_app
from syncsvc.cli.output import console, emit, webhook_json, webhook_line
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
        str | None,
        typer.Option(
            "--callback-url",
            help="The public https address of /webhooks/strava (default: from "
            "service.public_url); a secret path segment is added to it.",
        ),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Subscribe at a secret callback path.

    The running service takes the new subscription at once, without a restart.
    A verify token (unless strava.webhook_verify_token is set) and the secret
    path segment are generated once and kept, encrypted, in the store.

    Example: syncsvc strava webhook register --callback-url https://x.org/webhooks/strava
    """
    with open_app(ctx, home=home) as app:
        registration = app.register_strava_webhook(callback_url)
    subscription, state = registration.subscription, registration.state
    console.print(f"Subscribed: id {subscription.id}, callback {subscription.callback_url}.")
    if state.subscription_id == subscription.id:
        console.print("The service takes its events now (no restart needed).")
    else:
        console.print(
            f"strava.subscription_id = {state.subscription_id} in the "
            f"{state.subscription_origin} still wins: remove it so the service takes "
            f"subscription {subscription.id}."
        )


@webhook_app.command("list")
def webhook_list(
    ctx: typer.Context, json_output: JsonOption = False, home: HomeOption = None
) -> None:
    """Subscriptions, here and at Strava.

    Secrets (the verify token, the callback path segment) are masked.

    Example: syncsvc strava webhook list --json
    """
    with open_app(ctx, home=home) as app:
        subscriptions = app.strava_subscriptions()
        state = app.strava_webhook_state()

    def show() -> None:
        if not subscriptions:
            console.print("No webhook subscription at Strava.")
        for s in subscriptions:
            mark = " (in use)" if s.id == state.subscription_id else ""
            console.print(f"{s.id}  {s.callback_url}  {s.created_at}{mark}", markup=False)
        console.print(f"Here: {webhook_line(state)}.", markup=False)

    emit(
        json_output,
        lambda: {
            "subscriptions": [
                {
                    "id": s.id,
                    "callback_url": s.callback_url,
                    "created_at": s.created_at,
                    "in_use": s.id == state.subscription_id,
                }
                for s in subscriptions
            ],
            "local": webhook_json(state),
        },
        show,
    )


@webhook_app.command("delete")
def webhook_delete(
    ctx: typer.Context,
    subscription_id: Annotated[
        int | None,
        typer.Argument(help="Default: the subscription in use, else the only one."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Unsubscribe (the stored id too).

    Example: syncsvc strava webhook delete
    """
    with open_app(ctx, home=home) as app:
        deleted = app.delete_strava_subscription(subscription_id)
    console.print(f"Deleted webhook subscription {deleted}.")

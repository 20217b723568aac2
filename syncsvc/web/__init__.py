"""The runner's web page: today, the plan, the load, check-ins, connections, the calendar.

`syncsvc.web.app.web_routes(store, settings)` gives the routes to mount at `/`
beside the feed; `web_app(...)` wraps them in an app of their own. Kept empty
here: `config.py` imports `syncsvc.web.settings`, and the CLI must not pay for
Starlette and Jinja2 on start-up.
"""

"""The application API: `syncsvc.api.app.Syncsvc` and its athlete handle, `AthleteApi`.

The other modules here hold what those methods do, one job each (the pipeline,
decisions, check-ins, views, feed admin, activities, connections). Front ends
(the CLI, later the web page, the push channels and the jobs) call `Syncsvc`.
This package imports nothing itself, so importing one module (the server's
`api.pipeline`) does not import them all.
"""

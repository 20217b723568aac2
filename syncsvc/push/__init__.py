"""Push channels: the plan written where the runner looks (CalDAV, Garmin Connect, Google).

The plan stays the one source of truth; each channel is a projection of it
that `engine.push_channel` keeps in step, writing only what changed. `admin`
holds what the CLI and the API call (add, list, remove, sync).
"""

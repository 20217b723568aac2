"""The planner: where strength sessions go and why (W1-W7), as pure functions.

Entry points: `replan.replan`, `replan.check_placement`, `explain.format_session`.
"""

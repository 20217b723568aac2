"""Reasons in words, rule ids on the side.

The planner stores each reason with its rule ids in brackets ("Monday is a rest
day (W4)"), so the ids travel with the plan. A runner reads the words (`plain`);
`--json` gives the ids as a list per reason, and `syncsvc plan why ID` names the
rules (`explain_line`). docs/programme.md says each rule in a runner's words.
"""

from __future__ import annotations

import re

RULE_NAMES = {
    "W1": "two core and two hip sessions a week",
    "W2": "two sessions of one kind at least two days apart",
    "W3": "one strength session a day",
    "W4": "rest days and lighter days first",
    "W5": "no hip session the day before a hard run, a long run or a race",
    "W6": "an optional mobility block on rest days",
    "W7": "a form check every four weeks",
    "P1": "one small step at a time",
    "P2": "move on when you are consistent",
    "P3": "when your running jumps, strength waits",
    "P4": "back to basics after a low-back check-in",
    "P5": "a sore exercise is swapped",
    "P6": "missed sessions are not made up",
    "P7": "variety",
    "unavailable": "days your profile marks unavailable",
    "past": "only the future can be planned",
}
"""Rule ids and their names, as docs/programme.md words them (the explain view)."""

_RULE = r"(?:[WPS][1-9])"
_TRAILING_IDS = re.compile(
    rf"\s*\((?:{_RULE}(?:-{_RULE}|-[1-9])?)(?:\s*(?:,|and)\s*{_RULE})*(?::[^)]*)?\)"
)
_LEADING_ID = re.compile(rf"^({_RULE}|unavailable|past):\s*")
RULE_ID = re.compile(rf"\b{_RULE}\b")


ACTOR_WORDS = {"coach": "your coach", "admin": "the admin"}
"""How an athlete reads who decided for them, by the decider's role."""


def decided_by(origin: str, actor_name: str) -> str:
    """ "you" for the runner's own decision, else "your coach Maria", "the admin Ana"."""
    if not actor_name:
        return "you"
    return f"{ACTOR_WORDS.get(origin, origin)} {actor_name}"


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def split_rules(reason: str) -> tuple[str, tuple[str, ...]]:
    """A stored reason as (plain words, rule ids): "Monday is a rest day (W4)" ->
    ("Monday is a rest day", ("W4",)). Reasons keep their ids in the store; the runner
    reads the words, `--json` and `plan why` add the ids."""
    rules: list[str] = []
    text = reason
    leading = _LEADING_ID.match(text)
    if leading:
        rules.append(leading.group(1))
        text = text[leading.end() :]
        text = text[:1].upper() + text[1:]
    for found in _TRAILING_IDS.finditer(text):
        rules.extend(RULE_ID.findall(found.group(0).split(":")[0]))
    text = _TRAILING_IDS.sub("", text)
    breaks = re.compile(rf"breaks ({_RULE}|unavailable|past): ")
    for found in breaks.finditer(text):
        rules.append(found.group(1))
    text = breaks.sub("breaks a rule: ", text)
    unique = tuple(dict.fromkeys(rules))
    return text.strip(), unique


def plain(reason: str) -> str:
    """A reason in words only."""
    return split_rules(reason)[0]


def explain_line(reason: str) -> str:
    """A reason with its rules named (`syncsvc plan why`)."""
    text, rules = split_rules(reason)
    if not rules:
        return text
    named = "; ".join(f"{rule}: {RULE_NAMES.get(rule, rule)}" for rule in rules)
    return f"{text}  [{named}]"

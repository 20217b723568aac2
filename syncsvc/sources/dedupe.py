"""One run, counted once: group the records of one run from several sources.

The merge rule: two records are the same run when Strava's `external_id` names the
Garmin activity (`garmin_ping_<id>`, `garmin_push_<id>`), or else when they share
a sport family, start within 2 minutes, and their distance or duration differ by
at most 5 %. A group holds at most one record from Strava and one from Garmin
(files may bring several copies). The record with heart rate wins, then Garmin's.

The result depends only on the set of records, never on their arrival order:
candidate links are ranked by a key built from the records alone (external id
first, then the closest start, then the ids), and joined greedily in that order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from syncsvc.domain import Activity, Source
from syncsvc.sources.settings import MergeSettings

RecordKey = tuple[str, str]
"""(source, source_id): what identifies a record in every store and every order."""

GARMIN_EXTERNAL_ID = re.compile(r"^garmin_(?:ping|push)_(\d+)")
SOURCE_RANK = {Source.GARMIN: 0, Source.STRAVA: 1, Source.FILE: 2}
ONE_PER_GROUP = frozenset({Source.STRAVA, Source.GARMIN})


def record_key(activity: Activity) -> RecordKey:
    return (activity.source.value, activity.source_id)


def garmin_id_in_external_id(external_id: str | None) -> str | None:
    """The Garmin activity id a Strava upload names, if any."""
    if not external_id:
        return None
    match = GARMIN_EXTERNAL_ID.match(external_id)
    return match.group(1) if match else None


def _close(a: float | None, b: float | None, fraction: float) -> bool:
    if a is None or b is None:
        return False
    largest = max(abs(a), abs(b))
    if largest == 0:
        return False
    return abs(a - b) <= fraction * largest


def same_run(first: Activity, second: Activity, settings: MergeSettings) -> bool:
    """Sport family, start within the tolerance, distance or duration within the share."""
    if first.sport is not second.sport:
        return False
    if abs((first.start_utc - second.start_utc).total_seconds()) > settings.start_tolerance_s:
        return False
    return _close(first.distance_m, second.distance_m, settings.match_fraction) or _close(
        first.duration_s, second.duration_s, settings.match_fraction
    )


def winner_rank(activity: Activity) -> tuple[int, int, str, str]:
    """Smallest wins: heart rate first, then Garmin, then Strava, then files."""
    return (
        0 if activity.avg_hr is not None else 1,
        SOURCE_RANK[activity.source],
        activity.source.value,
        activity.source_id,
    )


@dataclass(frozen=True, slots=True)
class _Link:
    rank: tuple[int, float, RecordKey, RecordKey]
    first: RecordKey
    second: RecordKey


def _links(
    activities: Sequence[Activity], never_merge: frozenset[RecordKey], settings: MergeSettings
) -> list[_Link]:
    by_key = {record_key(activity): activity for activity in activities}
    links: list[_Link] = []

    def add(priority: int, a: Activity, b: Activity) -> None:
        first, second = sorted((record_key(a), record_key(b)))
        gap = abs((a.start_utc - b.start_utc).total_seconds())
        links.append(_Link((priority, gap, first, second), first, second))

    for activity in activities:
        garmin_id = garmin_id_in_external_id(activity.external_id)
        if activity.source is Source.STRAVA and garmin_id is not None:
            other = by_key.get((Source.GARMIN.value, garmin_id))
            if (
                other is not None
                and record_key(activity) not in never_merge
                and (record_key(other) not in never_merge)
            ):
                add(0, activity, other)
    ordered = sorted(activities, key=lambda a: (a.start_utc, a.source.value, a.source_id))
    for index, activity in enumerate(ordered):
        if record_key(activity) in never_merge:
            continue
        for other in ordered[index + 1 :]:
            gap = (other.start_utc - activity.start_utc).total_seconds()
            if gap > settings.start_tolerance_s:
                break
            if record_key(other) in never_merge:
                continue
            if activity.source is other.source and activity.source in ONE_PER_GROUP:
                continue
            if same_run(activity, other, settings):
                add(1, activity, other)
    links.sort(key=lambda link: link.rank)
    return links


def merge_groups(
    activities: Iterable[Activity],
    settings: MergeSettings,
    never_merge: Iterable[RecordKey] = (),
) -> dict[RecordKey, RecordKey]:
    """Every record's group winner (a record alone is its own winner)."""
    unique = {record_key(activity): activity for activity in activities}
    records = [unique[key] for key in sorted(unique)]
    parent = {key: key for key in unique}
    members: dict[RecordKey, set[RecordKey]] = {key: {key} for key in unique}

    def root(key: RecordKey) -> RecordKey:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def sources(group: RecordKey) -> set[Source]:
        return {unique[key].source for key in members[group]} & ONE_PER_GROUP

    for link in _links(records, frozenset(never_merge), settings):
        a, b = root(link.first), root(link.second)
        if a == b or sources(a) & sources(b):
            continue
        a, b = sorted((a, b))
        parent[b] = a
        members[a] |= members.pop(b)

    winners: dict[RecordKey, RecordKey] = {}
    for group in members.values():
        winner = min(group, key=lambda key: winner_rank(unique[key]))
        for key in group:
            winners[key] = winner
    return winners

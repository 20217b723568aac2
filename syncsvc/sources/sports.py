"""Sport names of every source mapped to our sport families.

Strava's names are its `SportType` enum (swagger); Garmin's are `activityType.typeKey`
values, which FIT files share in lower-case form (`running`, `strength_training`).
A name we do not know at all is a malformed record (an unknown sport is kept
raw and skipped, never guessed); a known sport outside our families is `other`.
"""

from __future__ import annotations

from syncsvc.domain import Sport

STRAVA_SPORTS: dict[str, Sport] = {
    "Run": Sport.RUN,
    "TrailRun": Sport.RUN,
    "VirtualRun": Sport.RUN,
    "Ride": Sport.RIDE,
    "VirtualRide": Sport.RIDE,
    "MountainBikeRide": Sport.RIDE,
    "GravelRide": Sport.RIDE,
    "EBikeRide": Sport.RIDE,
    "EMountainBikeRide": Sport.RIDE,
    "Velomobile": Sport.RIDE,
    "Handcycle": Sport.RIDE,
    "Hike": Sport.HIKE,
    "Walk": Sport.WALK,
    "Swim": Sport.SWIM,
    "AlpineSki": Sport.SKI,
    "BackcountrySki": Sport.SKI,
    "NordicSki": Sport.SKI,
    "Snowboard": Sport.SKI,
    "RollerSki": Sport.SKI,
    "Rowing": Sport.ROW,
    "VirtualRow": Sport.ROW,
    "Canoeing": Sport.ROW,
    "Kayaking": Sport.ROW,
    "WeightTraining": Sport.STRENGTH,
    "Workout": Sport.STRENGTH,
    "Crossfit": Sport.STRENGTH,
    "HighIntensityIntervalTraining": Sport.OTHER,
    "Yoga": Sport.MOBILITY,
    "Pilates": Sport.MOBILITY,
}
"""Strava sport types in our families; the rest of its enum below is `other`."""

STRAVA_OTHER_SPORTS = frozenset(
    {
        "Badminton",
        "Elliptical",
        "Golf",
        "IceSkate",
        "InlineSkate",
        "Kitesurf",
        "Pickleball",
        "Racquetball",
        "RockClimbing",
        "Sail",
        "Skateboard",
        "Snowshoe",
        "Soccer",
        "Squash",
        "StairStepper",
        "StandUpPaddling",
        "Surfing",
        "TableTennis",
        "Tennis",
        "Wheelchair",
        "Windsurf",
        "Basketball",
        "Cricket",
        "Dance",
        "Padel",
        "Volleyball",
    }
)

GARMIN_EXACT: dict[str, Sport] = {
    "strength_training": Sport.STRENGTH,
    "hiit": Sport.OTHER,
    "indoor_cardio": Sport.OTHER,
    "fitness_equipment": Sport.OTHER,
    "training": Sport.OTHER,
    "yoga": Sport.MOBILITY,
    "pilates": Sport.MOBILITY,
    "breathwork": Sport.MOBILITY,
    "mobility": Sport.MOBILITY,
    "flexibility_training": Sport.MOBILITY,
    "multi_sport": Sport.OTHER,
    "other": Sport.OTHER,
    "generic": Sport.OTHER,
    "uncategorized": Sport.OTHER,
}

GARMIN_FRAGMENTS: tuple[tuple[str, Sport], ...] = (
    ("run", Sport.RUN),
    ("cycl", Sport.RIDE),
    ("bik", Sport.RIDE),
    ("swim", Sport.SWIM),
    ("hik", Sport.HIKE),
    ("walk", Sport.WALK),
    ("ski", Sport.SKI),
    ("snowboard", Sport.SKI),
    ("row", Sport.ROW),
    ("kayak", Sport.ROW),
    ("paddl", Sport.ROW),
    ("canoe", Sport.ROW),
    ("stretch", Sport.MOBILITY),
)
GARMIN_OTHER_FRAGMENTS = (
    "golf",
    "tennis",
    "climb",
    "skat",
    "surf",
    "sail",
    "fitness",
    "elliptical",
    "stair",
    "floor",
    "dive",
    "diving",
    "boxing",
    "dance",
    "soccer",
    "basketball",
    "hunting",
    "fishing",
    "horse",
    "motor",
    "driving",
    "wind",
    "kite",
    "snowshoe",
    "mountaineering",
    "transition",
    "pickleball",
    "padel",
    "racket",
    "squash",
    "badminton",
    "volleyball",
    "cardio",
    "meditation",
    "navigate",
    "inline",
    "ice",
    "cricket",
    "rugby",
    "hockey",
    "obstacle",
    "jump",
    "wheelchair",
)


class UnknownSport(ValueError):
    """A sport name no table knows: the record is kept raw and skipped."""


def strava_sport(sport_type: str) -> Sport:
    if sport_type in STRAVA_SPORTS:
        return STRAVA_SPORTS[sport_type]
    if sport_type in STRAVA_OTHER_SPORTS:
        return Sport.OTHER
    raise UnknownSport(f"unknown Strava sport {sport_type!r}")


def garmin_sport(type_key: str) -> Sport:
    """A Garmin `typeKey` (or a FIT sport name) as a family."""
    key = type_key.strip().lower()
    if not key:
        raise UnknownSport("empty Garmin activity type")
    if key in GARMIN_EXACT:
        return GARMIN_EXACT[key]
    for fragment, sport in GARMIN_FRAGMENTS:
        if fragment in key:
            return sport
    if any(fragment in key for fragment in GARMIN_OTHER_FRAGMENTS):
        return Sport.OTHER
    raise UnknownSport(f"unknown Garmin activity type {type_key!r}")

"""The exercise catalogue and its blocks, loaded from TOML and validated (S1-S7).

The data lives in `data/programme.toml` so a coach can edit it without touching
code. Every mistake is reported as a `CatalogueError` naming the file, the line
and the field, e.g. `programme.toml:212: exercises.dead_bug.gentler: unknown
exercise 'dead_bugg'`.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from syncsvc.domain import SessionKind, StrengthLevel
from syncsvc.errors import ConfigError

ExerciseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
Cue = Annotated[str, StringConstraints(min_length=3, strip_whitespace=True)]


class ExerciseKind(StrEnum):
    CORE = "core"
    HIP = "hip"
    ACCESSORY = "accessory"
    WARMUP = "warm-up"
    MOBILITY = "mobility"


class CatalogueError(ConfigError):
    """The programme file cannot be used; the message names file, line and field."""

    def __init__(self, path: str, line: int | None, field: str, problem: str) -> None:
        where = f"{path}:{line}" if line else path
        super().__init__(
            f"{where}: {field}: {problem}", hint="fix the programme file and run again"
        )
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Exercise(_Strict):
    """One exercise with its base dose (S1, S6, S7)."""

    id: ExerciseId = ""
    name: str = Field(min_length=2)
    kind: ExerciseKind
    muscle_group: str = Field(min_length=2)
    level: StrengthLevel
    gentler: ExerciseId
    harder: ExerciseId
    substitutes: tuple[ExerciseId, ...] = Field(min_length=1)
    sets: int = Field(ge=1, le=6)
    reps: int | None = Field(None, ge=1, le=60)
    hold_s: int | None = Field(None, ge=5, le=180)
    each_side: bool = False
    unit: str = "reps"
    band: str | None = None
    tempo: str = Field(min_length=1)
    equipment: tuple[str, ...] = ()
    cues: tuple[Cue, ...] = Field(min_length=2, max_length=3)
    reps_max: int | None = Field(None, ge=1, le=60)
    """P1 ceiling for reps; by default 12, or the base reps when higher."""
    hold_max_s: int | None = Field(None, ge=5, le=180)
    """P1 ceiling for a hold; by default 45 s, or the base hold when longer."""
    sets_max: int = Field(3, ge=1, le=6)

    @property
    def rep_ceiling(self) -> int:
        return self.reps_max or max(12, self.reps or 0)

    @property
    def hold_ceiling(self) -> int:
        return self.hold_max_s or max(45, self.hold_s or 0)


class LevelBlock(_Strict):
    """What one level does in one block, exercises in order of priority."""

    core: tuple[ExerciseId, ...] = Field(min_length=4, max_length=8)
    hip: tuple[ExerciseId, ...] = Field(min_length=4, max_length=8)
    warmup: tuple[ExerciseId, ...] = Field(min_length=1, max_length=5)
    cooldown: tuple[ExerciseId, ...] = Field(min_length=1, max_length=4)

    def main(self, kind: SessionKind) -> tuple[str, ...]:
        return self.core if kind is SessionKind.CORE else self.hip


class Block(_Strict):
    id: ExerciseId
    name: str
    min_weeks: int = Field(ge=1, le=52)
    focus: str = ""
    beginner: LevelBlock
    intermediate: LevelBlock

    def for_level(self, level: StrengthLevel) -> LevelBlock:
        return self.beginner if level is StrengthLevel.BEGINNER else self.intermediate


class ProgrammeInfo(_Strict):
    name: str
    version: int = 1


class RestDay(_Strict):
    beginner: tuple[ExerciseId, ...] = Field(min_length=1)
    intermediate: tuple[ExerciseId, ...] = Field(min_length=1)

    def for_level(self, level: StrengthLevel) -> tuple[str, ...]:
        return self.beginner if level is StrengthLevel.BEGINNER else self.intermediate


class Catalogue(_Strict):
    """The whole programme: exercises by id and blocks in order."""

    programme: ProgrammeInfo
    rest_day: RestDay
    blocks: tuple[Block, ...] = Field(min_length=1)
    exercises: dict[ExerciseId, Exercise]

    def exercise(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def find(self, name_or_id: str) -> Exercise | None:
        """An exercise by id or by name, case and spacing ignored (for check-ins, P5)."""
        key = _normalise(name_or_id)
        for exercise in self.exercises.values():
            if key in (_normalise(exercise.id), _normalise(exercise.name)):
                return exercise
        return None


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# ---------------------------------------------------------------- loading


def default_catalogue_text() -> tuple[str, str]:
    """The shipped programme file: (name for messages, text)."""
    resource = resources.files("syncsvc.programme").joinpath("data/programme.toml")
    return "programme.toml", resource.read_text(encoding="utf-8")


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate a programme file (the shipped one when `path` is None)."""
    if path is None:
        name, text = default_catalogue_text()
    else:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CatalogueError(name, None, "file", f"cannot read it ({error.strerror})") from None
    return parse_catalogue(text, name)


def parse_catalogue(text: str, name: str = "programme.toml") -> Catalogue:
    """Validate programme TOML text; errors name `name`, the line and the field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise CatalogueError(name, line, "syntax", str(error)) from None
    for exercise_id, table in (raw.get("exercises") or {}).items():
        if isinstance(table, dict):
            table.setdefault("id", exercise_id)
    try:
        catalogue = Catalogue.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        raise CatalogueError(name, _locate(text, loc), _dotted(loc), first["msg"].lower()) from None
    for loc, problem in _reference_problems(catalogue):
        raise CatalogueError(name, _locate(text, loc), _dotted(loc), problem)
    return catalogue


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reference_problems(catalogue: Catalogue) -> list[tuple[tuple[Any, ...], str]]:
    """Every variant, substitute and block entry must name a known exercise (S7)."""
    known = catalogue.exercises
    problems: list[tuple[tuple[Any, ...], str]] = []
    for exercise_id, exercise in known.items():
        if exercise.id != exercise_id:
            problems.append((("exercises", exercise_id, "id"), "must match the table name"))
        for field in ("gentler", "harder"):
            target = getattr(exercise, field)
            if target not in known:
                problems.append((("exercises", exercise_id, field), f"unknown exercise {target!r}"))
            elif target == exercise_id:
                problems.append((("exercises", exercise_id, field), "names the exercise itself"))
        for target in exercise.substitutes:
            if target not in known or target == exercise_id:
                problems.append(
                    (("exercises", exercise_id, "substitutes"), f"unknown substitute {target!r}")
                )
        if exercise.reps is None and exercise.hold_s is None:
            problems.append((("exercises", exercise_id, "reps"), "give reps or hold_s"))
        if exercise.reps is not None and exercise.reps > exercise.rep_ceiling:
            problems.append((("exercises", exercise_id, "reps_max"), "is below the base reps"))
        if exercise.hold_s is not None and exercise.hold_s > exercise.hold_ceiling:
            problems.append((("exercises", exercise_id, "hold_max_s"), "is below the base hold"))
        if exercise.sets > exercise.sets_max:
            problems.append((("exercises", exercise_id, "sets_max"), "is below the base sets"))
        if exercise.reps is not None and exercise.hold_s is not None:
            problems.append((("exercises", exercise_id, "hold_s"), "give reps or hold_s, not both"))
    for index, block in enumerate(catalogue.blocks):
        for level in StrengthLevel:
            level_block = block.for_level(level)
            for field in ("core", "hip", "warmup", "cooldown"):
                for target in getattr(level_block, field):
                    if target not in known:
                        problems.append(
                            (("blocks", index, level.value, field), f"unknown exercise {target!r}")
                        )
    for level in StrengthLevel:
        for target in catalogue.rest_day.for_level(level):
            if target not in known:
                problems.append((("rest_day", level.value), f"unknown exercise {target!r}"))
    return problems


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the table or key a validation error points at (tomllib has no positions).

    Walks the table headers (`[exercises.dead_bug]`, `[[blocks]]`, `[blocks.beginner]`)
    to the deepest one the location lies in, then looks for the key inside it.
    """
    lines = text.splitlines()
    headers: list[tuple[int, tuple[Any, ...]]] = []
    array_counts: dict[str, int] = {}
    current_array: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        match = _HEADER.match(line)
        if not match:
            continue
        dotted = [part.strip().strip('"') for part in match.group(1).split(".")]
        is_array = line.lstrip().startswith("[[")
        path: list[Any] = []
        for depth, part in enumerate(dotted):
            path.append(part)
            key = ".".join(dotted[: depth + 1])
            if is_array and depth == len(dotted) - 1:
                array_counts[key] = array_counts.get(key, -1) + 1
                current_array[key] = array_counts[key]
                path.append(current_array[key])
            elif key in current_array:
                path.append(current_array[key])
        headers.append((number, tuple(path)))
    best: tuple[int, int] | None = None
    for index, (_, header) in enumerate(headers):
        if loc[: len(header)] == header and (best is None or len(header) > best[1]):
            best = (index, len(header))
    if best is None:
        return _find_key(lines, 0, len(lines), loc[-1] if loc else "")
    index, depth = best
    start = headers[index][0]
    end = headers[index + 1][0] - 1 if index + 1 < len(headers) else len(lines)
    rest = [part for part in loc[depth:] if isinstance(part, str)]
    if not rest:
        return start
    return _find_key(lines, start, end, rest[0]) or start


def _find_key(lines: list[str], start: int, end: int, key: object) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
    for number in range(start, end):
        if pattern.match(lines[number]):
            return number + 1
    return None

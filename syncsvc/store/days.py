"""An athlete's day classes around today, as the pipeline last computed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc.domain import ClassSource, DayClass, DayView
from syncsvc.store.schema import DayClassRow

VIEW_COLUMNS = (
    DayClassRow.day,
    DayClassRow.day_class,
    DayClassRow.reason,
    DayClassRow.class_source,
    DayClassRow.forecast,
    DayClassRow.load,
    DayClassRow.distance_m,
    DayClassRow.atl,
    DayClassRow.ctl,
    DayClassRow.acwr,
)
"""A DayView's columns, in the order `all` unpacks them."""
DAY_CLASS_OF = {day_class.value: day_class for day_class in DayClass}
CLASS_SOURCE_OF = {source.value: source for source in ClassSource}


class DayClassRepository:
    def __init__(self, orm: OrmSession, athlete_id: int) -> None:
        self.orm = orm
        self.athlete_id = athlete_id

    def replace(self, views: Iterable[DayView]) -> None:
        """Keep exactly these days (the window the pipeline computed).

        Nothing is written when they are the days already kept (a replan with
        nothing new): comparing costs one read, rewriting them a delete and an
        insert of every day.
        """
        views = list(views)
        if self.all() == views:
            return
        self.orm.execute(delete(DayClassRow).where(DayClassRow.athlete_id == self.athlete_id))
        if not views:
            return
        self.orm.execute(  # one executemany: an ORM object a day cost more than the insert
            insert(DayClassRow),
            [
                {
                    "athlete_id": self.athlete_id,
                    "day": view.day,
                    "day_class": view.day_class.value,
                    "reason": view.reason,
                    "class_source": view.class_source.value,
                    "forecast": view.forecast,
                    "load": view.load,
                    "distance_m": view.distance_m,
                    "atl": view.atl,
                    "ctl": view.ctl,
                    "acwr": view.acwr,
                }
                for view in views
            ],
        )

    def all(self, *, since: date | None = None, until: date | None = None) -> list[DayView]:
        """The kept days, oldest first, read as plain rows (every replan compares them all)."""
        query = select(*VIEW_COLUMNS).where(DayClassRow.athlete_id == self.athlete_id)
        if since is not None:
            query = query.where(DayClassRow.day >= since)
        if until is not None:
            query = query.where(DayClassRow.day <= until)
        return [
            DayView(
                day=day,
                day_class=DAY_CLASS_OF[day_class],
                reason=reason,
                class_source=CLASS_SOURCE_OF[class_source],
                forecast=forecast,
                load=load,
                distance_m=distance_m,
                atl=atl,
                ctl=ctl,
                acwr=acwr,
            )
            for (
                day,
                day_class,
                reason,
                class_source,
                forecast,
                load,
                distance_m,
                atl,
                ctl,
                acwr,
            ) in self.orm.execute(query.order_by(DayClassRow.day))
        ]

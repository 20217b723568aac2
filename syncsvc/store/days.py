"""An athlete's day classes around today, as the pipeline last computed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from syncsvc.domain import ClassSource, DayClass, DayView
from syncsvc.store.schema import DayClassRow


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
        self.orm.add_all(
            DayClassRow(
                athlete_id=self.athlete_id,
                day=view.day,
                day_class=view.day_class.value,
                reason=view.reason,
                class_source=view.class_source.value,
                forecast=view.forecast,
                load=view.load,
                distance_m=view.distance_m,
                atl=view.atl,
                ctl=view.ctl,
                acwr=view.acwr,
            )
            for view in views
        )

    def all(self, *, since: date | None = None, until: date | None = None) -> list[DayView]:
        query = select(DayClassRow).where(DayClassRow.athlete_id == self.athlete_id)
        if since is not None:
            query = query.where(DayClassRow.day >= since)
        if until is not None:
            query = query.where(DayClassRow.day <= until)
        return [
            DayView(
                day=row.day,
                day_class=DayClass(row.day_class),
                reason=row.reason,
                class_source=ClassSource(row.class_source),
                forecast=row.forecast,
                load=row.load,
                distance_m=row.distance_m,
                atl=row.atl,
                ctl=row.ctl,
                acwr=row.acwr,
            )
            for row in self.orm.scalars(query.order_by(DayClassRow.day))
        ]

"""Case engine tables (declared on db.base.Base)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base as Base

# -- the working-day calendar (runtime.calendar_store; migration 0002) ---------------------


class CalendarDay(Base):
    """A day that departs from "Mon–Fri work, Sat–Sun rest" (a holiday on a weekday, an
    adjusted working weekend 调休) or that is named as part of a holiday break."""

    __tablename__ = "calendar_days"
    __table_args__ = (CheckConstraint("source IN ('chinesecalendar', 'admin')", name="source"),)

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class CalendarYear(Base):
    """A year whose holidays are known (complete): seeded or entered and marked complete."""

    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("source IN ('chinesecalendar', 'admin')", name="source"),)

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    completed_by: Mapped[str | None] = mapped_column(String(100))

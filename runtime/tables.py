"""Case engine tables (declared on db.base.Base)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Integer, String, Text
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


class CalendarVersion(Base):
    """One row per tenant, bumped in the same transaction as every calendar change: each
    process polls it (one row) and reloads its calendar when it moved; the years changed
    since the deadlines were last recomputed wait in ``pending_years`` (migration 0007)."""

    __tablename__ = "calendar_version"

    tenant: Mapped[str] = mapped_column(String(6), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: the version whose changes every affected open case has been recomputed for
    recomputed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: canonical JSON list of the years changed since then
    pending_years: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    changed_by: Mapped[str | None] = mapped_column(String(100))

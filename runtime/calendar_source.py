"""Holidays and adjusted working days from the ``chinesecalendar`` package.

``chinesecalendar`` knows the State Council's arrangements for a range of years (1.11.0:
2004–2026) and raises ``NotImplementedError`` for any other year; so do we, with
:class:`runtime.calendar.UnknownYearError`. (Never the ``holidays`` package: it answers
2027 without the adjusted working days, silently wrong.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import chinese_calendar

from runtime.calendar import DayEntry, UnknownYearError, WorkCalendar

#: chinesecalendar's English holiday names → the names used on Chinese documents.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

#: suffix of the name of an adjusted working day (调休上班), e.g. 国庆节调休上班.
WORKDAY_SUFFIX = "调休上班"


def holiday_name_zh(english: str) -> str:
    return HOLIDAY_NAMES_ZH.get(english, english)


def supported_years() -> range:
    """The years the installed ``chinesecalendar`` knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def entries_for_year(year: int) -> list[DayEntry]:
    """Every holiday (including weekend days inside a break) and adjusted working day."""
    if not knows_year(year):
        raise UnknownYearError([year])
    out: list[DayEntry] = []
    for day, english in chinese_calendar.holidays.items():
        if day.year == year:
            out.append(DayEntry(day, False, holiday_name_zh(english), "chinesecalendar"))
    for day, english in chinese_calendar.workdays.items():
        if day.year == year:
            name = holiday_name_zh(english) + WORKDAY_SUFFIX
            out.append(DayEntry(day, True, name, "chinesecalendar"))
    out.sort(key=lambda e: e.day)
    return out


def iter_entries(years: Iterable[int]) -> Iterator[DayEntry]:
    for year in years:
        yield from entries_for_year(year)


def calendar_from_chinesecalendar(years: Iterable[int] | None = None) -> WorkCalendar:
    """A calendar straight from the package (tests, tools); the table is the real source."""
    chosen = list(supported_years() if years is None else years)
    return WorkCalendar(iter_entries(chosen), chosen)

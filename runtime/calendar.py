"""The working-day calendar, in memory (DESIGN §4).

A :class:`WorkCalendar` is an immutable value built once from the calendar table (see
:mod:`runtime.calendar_store`) or straight from ``chinesecalendar`` (see
:mod:`runtime.calendar_source`). The default rule is "Monday to Friday work, Saturday and
Sunday rest"; recorded days override it (statutory holidays on weekdays, adjusted working
weekends 调休, and named weekend days inside a holiday break).

A year is *known* only when it is complete (seeded from ``chinesecalendar`` or entered by
an administrator and marked complete). Every answer that looks at a day of an unknown year
is *provisional*: it is computed with the weekend rule (plus whatever days of that year are
already recorded) and names the missing years. Nothing answers silently.

Counting convention (Art. 82 of the Administrative Licensing Law; the general rule that the
day an event happens is not counted in a period that starts from it):

* ``add_workdays(start, n)`` is the n-th working day strictly after ``start``: the day of
  acceptance itself does not count, day 1 is the next working day. ``add_workdays(d, 0)``
  is ``d``.
* ``workdays_between(a, b)`` is the number of working days in the half-open interval
  ``(a, b]`` (negative when ``b < a``), so ``workdays_between(d, add_workdays(d, n)) == n``.

Speed: each year's working days are kept as a sorted list of ordinals (built lazily, once
per year); both operations are a bisect or two, a few microseconds for typical n.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Generic, Literal, TypeVar

from definitions.errors import BanshiError

T = TypeVar("T")

Source = Literal["chinesecalendar", "admin"]
SOURCES: tuple[Source, ...] = ("chinesecalendar", "admin")

_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def weekday_zh(day: date) -> str:
    """星期一 … 星期日."""
    return _WEEKDAYS_ZH[day.weekday()]


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One recorded day: a holiday, an adjusted working day, or a named day of a break."""

    day: date
    is_workday: bool
    name: str | None = None
    source: Source = "admin"

    @property
    def adjusted(self) -> bool:
        """True when the entry departs from the Mon–Fri rule (not merely names the day)."""
        return self.is_workday != (self.day.weekday() < 5)


class UnknownYearError(BanshiError, LookupError):
    """The answer depends on a year whose holidays the calendar does not know (503: the
    county has yet to enter that year; nobody's request is wrong)."""

    status = 503
    code = "calendar_year_unknown"
    default_message = "工作日历尚未录入该年度的节假日安排，暂时无法计算期限，请稍后再试"

    def __init__(self, years: Iterable[int]) -> None:
        self.years: tuple[int, ...] = tuple(sorted(set(years)))
        listed = "、".join(f"{y}年" for y in self.years)
        super().__init__(
            f"{listed}的节假日安排尚未录入 / calendar year(s) not known: "
            + ", ".join(str(y) for y in self.years)
        )


@dataclass(frozen=True, slots=True)
class Reckoned(Generic[T]):
    """An answer of the calendar, with the unknown years it had to assume (weekends only).

    ``value`` is always usable; ``provisional`` says whether it may change once the missing
    years are entered; ``known()`` returns the value or raises :class:`UnknownYearError`.
    Truth-testing is refused so ``if cal.is_workday(d):`` cannot silently pass.
    """

    value: T
    missing_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.missing_years)

    def known(self) -> T:
        if self.missing_years:
            raise UnknownYearError(self.missing_years)
        return self.value

    def __bool__(self) -> bool:
        raise TypeError("a Reckoned answer has no truth value: use .value or .known()")


def _default_workday(day: date) -> bool:
    return day.weekday() < 5


class WorkCalendar:
    """Working days of one tenant. Immutable; cheap to share between threads and requests."""

    __slots__ = ("_by_year", "_days", "_entries", "_known", "_ordinals")

    def __init__(self, entries: Iterable[DayEntry] = (), known_years: Iterable[int] = ()) -> None:
        by_day: dict[date, DayEntry] = {}
        for entry in entries:
            by_day[entry.day] = entry  # a later entry for the same day wins
        self._entries: Mapping[date, DayEntry] = MappingProxyType(by_day)
        self._days: tuple[date, ...] = tuple(sorted(by_day))
        self._known: frozenset[int] = frozenset(known_years)
        by_year: dict[int, list[DayEntry]] = {}
        for day in self._days:
            by_year.setdefault(day.year, []).append(by_day[day])
        self._by_year: Mapping[int, tuple[DayEntry, ...]] = MappingProxyType(
            {y: tuple(es) for y, es in by_year.items()}
        )
        # lazily built per-year sorted working-day ordinals (a cache; not part of the value)
        self._ordinals: dict[int, list[int]] = {}

    # -- what the calendar holds ------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        return self._known

    def knows(self, year: int) -> bool:
        return year in self._known

    def entry(self, day: date) -> DayEntry | None:
        return self._entries.get(day)

    def entries(self, year: int | None = None) -> tuple[DayEntry, ...]:
        """Recorded days in date order (of one year, or all)."""
        if year is not None:
            return self._by_year.get(year, ())
        return tuple(self._entries[d] for d in self._days)

    def entries_between(self, a: date, b: date) -> tuple[DayEntry, ...]:
        """Recorded days in ``(a, b]``, in date order."""
        lo = bisect_right(self._days, a)
        hi = bisect_right(self._days, b)
        return tuple(self._entries[d] for d in self._days[lo:hi])

    def missing_years(self, a: date, b: date) -> tuple[int, ...]:
        """Unknown years among the days of ``(a, b]`` (or ``(b, a]`` when ``b < a``)."""
        if b < a:
            a, b = b, a
        last = b.year
        first = a.year if (a.month, a.day) != (12, 31) else a.year + 1
        if a == b or (first == last and last in self._known):
            return ()
        return tuple(y for y in range(first, last + 1) if y not in self._known)

    def fingerprint(self) -> str:
        """sha256 of the calendar's content (recorded days and known years)."""
        h = hashlib.sha256()
        for year in sorted(self._known):
            h.update(f"Y{year};".encode())
        for day in self._days:
            e = self._entries[day]
            h.update(f"{day.isoformat()}|{int(e.is_workday)}|{e.name or ''};".encode())
        return h.hexdigest()

    def with_entries(
        self, entries: Iterable[DayEntry], known_years: Iterable[int] = ()
    ) -> WorkCalendar:
        """A new calendar with ``entries`` added (replacing same days) and years marked known."""
        return WorkCalendar((*self.entries(), *entries), self._known | frozenset(known_years))

    # -- questions --------------------------------------------------------------------

    def is_workday(self, day: date) -> Reckoned[bool]:
        missing = () if day.year in self._known else (day.year,)
        return Reckoned(self._is_workday(day), missing)

    def add_workdays(self, start: date, n: int) -> Reckoned[date]:
        """The n-th working day after ``start`` (``start`` itself not counted); n ≥ 0."""
        result = date.fromordinal(self.add_ordinal(start.toordinal(), n))
        return Reckoned(result, self.missing_years(start, result))

    def workdays_between(self, a: date, b: date) -> Reckoned[int]:
        """Working days in ``(a, b]``; negative (the count in ``(b, a]``) when ``b < a``."""
        if b < a:
            count = -self.count_ordinals(b.toordinal(), a.toordinal())
        else:
            count = self.count_ordinals(a.toordinal(), b.toordinal())
        return Reckoned(count, self.missing_years(a, b))

    def workdays_in_year(self, year: int) -> int:
        return len(self._year(year))

    # -- the fast core (ordinals, no provisional bookkeeping) ---------------------------

    def add_ordinal(self, start: int, n: int) -> int:
        """Ordinal of the n-th working day after ordinal ``start``."""
        if n < 0:
            raise ValueError(f"n must be ≥ 0, got {n}")
        if n == 0:
            return start
        year = date.fromordinal(start).year
        days = self._year(year)
        i = bisect_right(days, start)
        while True:
            available = len(days) - i
            if n <= available:
                return days[i + n - 1]
            n -= available
            year += 1
            days = self._year(year)
            i = 0

    def count_ordinals(self, a: int, b: int) -> int:
        """Working days in ``(a, b]`` for ordinals ``a ≤ b``."""
        ya = date.fromordinal(a).year
        yb = date.fromordinal(b).year
        days_a = self._year(ya)
        if ya == yb:
            return bisect_right(days_a, b) - bisect_right(days_a, a)
        total = len(days_a) - bisect_right(days_a, a)
        for year in range(ya + 1, yb):
            total += len(self._year(year))
        return total + bisect_right(self._year(yb), b)

    def is_workday_ordinal(self, ordinal: int) -> bool:
        days = self._year(date.fromordinal(ordinal).year)
        i = bisect_left(days, ordinal)
        return i < len(days) and days[i] == ordinal

    def _is_workday(self, day: date) -> bool:
        entry = self._entries.get(day)
        return entry.is_workday if entry is not None else _default_workday(day)

    def _year(self, year: int) -> list[int]:
        days = self._ordinals.get(year)
        if days is None:
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            entries = {e.day.toordinal(): e.is_workday for e in self._by_year.get(year, ())}
            # ordinal 1 (0001-01-01) is a Monday: weekday = (ordinal - 1) % 7
            days = [o for o in range(first, last + 1) if entries.get(o, (o - 1) % 7 < 5)]
            self._ordinals[year] = days
        return days

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self._known == other._known and dict(self._entries) == dict(other._entries)

    def __hash__(self) -> int:
        return hash((self._known, frozenset(self._entries.items())))

    def __repr__(self) -> str:
        years = sorted(self._known)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return f"WorkCalendar(known years {span} ({len(years)}), {len(self._days)} recorded days)"

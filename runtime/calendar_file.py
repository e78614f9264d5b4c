"""A year's holidays and adjusted working days in a file, as administrators enter them
(e.g. 2027 once the State Council publishes it). Three spellings of one content:

Text (``.txt`` or anything else), one line per day or range; ``#`` starts a comment::

    year 2027
    2027-01-01 holiday 元旦
    2027-02-06..2027-02-12 holiday 春节
    2027-02-14 workday 春节调休上班

(``休`` and ``班`` may stand for ``holiday`` and ``workday``.)

TOML (``.toml``) and JSON (``.json``)::

    year = 2027
    complete = true          # optional, default true: the year is known after loading
    [[days]]
    date = "2027-02-06..2027-02-12"
    kind = "holiday"
    name = "春节"
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from definitions.errors import BanshiError
from runtime.calendar import DayEntry

KINDS: dict[str, bool] = {"holiday": False, "休": False, "workday": True, "班": True}


class CalendarFileError(BanshiError, ValueError):
    """A calendar file is wrong; the message names the file, the place and the problem."""

    status = 422
    code = "calendar_file_invalid"
    default_message = "工作日历文件有误，不能加载"


@dataclass(frozen=True, slots=True)
class YearFile:
    year: int
    entries: tuple[DayEntry, ...]
    complete: bool = True


def _dates(text: str, where: str) -> list[date]:
    try:
        if ".." in text:
            a, b = (date.fromisoformat(p.strip()) for p in text.split("..", 1))
        else:
            a = b = date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarFileError(
            f"{where}: not a date or date range (YYYY-MM-DD[..YYYY-MM-DD]): {text!r}"
        ) from None
    if b < a:
        raise CalendarFileError(f"{where}: range ends before it starts: {text!r}")
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def _kind(text: str, where: str) -> bool:
    try:
        return KINDS[text.strip().lower()]
    except KeyError:
        raise CalendarFileError(f"{where}: kind must be holiday or workday, got {text!r}") from None


def _finish(
    year: int | None, items: list[tuple[str, date, bool, str | None]], complete: bool, path: str
) -> YearFile:
    if not items:
        raise CalendarFileError(f"{path}: no days")
    years = {d.year for _, d, _, _ in items}
    if year is None:
        if len(years) != 1:
            raise CalendarFileError(
                f"{path}: days of several years ({sorted(years)}); name the year"
            )
        year = years.pop()
    seen: dict[date, str] = {}
    entries: list[DayEntry] = []
    for where, day, is_workday, name in items:
        if day.year != year:
            raise CalendarFileError(f"{where}: {day} is not in {year}")
        if day in seen:
            raise CalendarFileError(f"{where}: {day} is already given at {seen[day]}")
        seen[day] = where
        entries.append(DayEntry(day, is_workday, name or None, "admin"))
    entries.sort(key=lambda e: e.day)
    return YearFile(year, tuple(entries), complete)


def parse_text(text: str, path: str = "<text>") -> YearFile:
    year: int | None = None
    items: list[tuple[str, date, bool, str | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        words = line.split(None, 2)
        if words[0].lower() == "year":
            if len(words) != 2 or not words[1].isdigit():
                raise CalendarFileError(f"{where}: expected 'year YYYY'")
            year = int(words[1])
            continue
        if len(words) < 2:
            raise CalendarFileError(f"{where}: expected 'DATE[..DATE] holiday|workday [name]'")
        is_workday = _kind(words[1], where)
        name = words[2].strip() if len(words) > 2 else None
        items.extend((where, d, is_workday, name) for d in _dates(words[0], where))
    return _finish(year, items, True, path)


def parse_mapping(data: Any, path: str = "<data>") -> YearFile:
    if not isinstance(data, dict):
        raise CalendarFileError(f"{path}: expected a table/object with 'year' and 'days'")
    year = data.get("year")
    if year is not None and not isinstance(year, int):
        raise CalendarFileError(f"{path}: /year must be an integer")
    complete = data.get("complete", True)
    if not isinstance(complete, bool):
        raise CalendarFileError(f"{path}: /complete must be true or false")
    days = data.get("days")
    if not isinstance(days, list):
        raise CalendarFileError(f"{path}: /days must be a list")
    items: list[tuple[str, date, bool, str | None]] = []
    for i, item in enumerate(days):
        where = f"{path}: /days/{i}"
        if not isinstance(item, dict) or not isinstance(item.get("date"), str):
            raise CalendarFileError(
                f"{where}: needs 'date' (YYYY-MM-DD or a range A..B) and 'kind'"
            )
        is_workday = _kind(str(item.get("kind", "")), where)
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise CalendarFileError(f"{where}/name must be text")
        items.extend((where, d, is_workday, name) for d in _dates(item["date"], where))
    return _finish(year, items, complete, path)


def read_year_file(path: Path) -> YearFile:
    """Parse ``path`` by its suffix: .toml, .json, otherwise text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarFileError(f"{path}: cannot read: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return parse_mapping(tomllib.loads(text), str(path))
        except tomllib.TOMLDecodeError as exc:
            raise CalendarFileError(f"{path}: not valid TOML: {exc}") from None
    if suffix == ".json":
        try:
            return parse_mapping(json.loads(text), str(path))
        except json.JSONDecodeError as exc:
            raise CalendarFileError(f"{path}: not valid JSON: {exc}") from None
    return parse_text(text, str(path))

"""Valid and broken values per field type, keyed by type name: a new field type registers
its own with :func:`register_values` / :func:`register_breaker`."""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric, uscc

from definitions.fieldtypes import default_registry
from definitions.models import FormField
from tests.strategies.sources import Source, _chance

# ------------------------------------------------------------------------ real values

#: Codes of GB/T 2260 that python-stdnum knows (county, city and province level).
REGION_CODES: tuple[str, ...] = (
    "422822",
    "422801",
    "422800",
    "420100",
    "420106",
    "420500",
    "110101",
    "310115",
    "440305",
)
#: Birth places that were valid for every birth year drawn (1950-2008).
ID_REGIONS: tuple[str, ...] = ("422822", "420100", "110101", "420500")
MOBILE_PREFIXES: tuple[str, ...] = (
    "130",
    "135",
    "138",
    "139",
    "150",
    "158",
    "166",
    "177",
    "186",
    "187",
    "191",
    "199",
)
HANZI = "建始县业州镇高坪花坪长梁茅田龙坪三里红岩官店景阳食品经营许可个体户王李张刘陈杨黄赵周吴"
TEXT_ALPHABET = HANZI + "ABCDEFGH0123456789"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Text patterns a generated text field may carry, each with a generator of matching values.
PATTERNS: dict[str, Callable[[Source], str]] = {
    r"^[A-Z]{2}[0-9]{4}$": lambda s: s.text("ABCDEFGHJK", 2, 2) + s.text(string.digits, 4, 4),
    r"^JY[0-9]{14}$": lambda s: "JY" + s.text(string.digits, 14, 14),
}


def id_card_number(src: Source) -> str:
    """A valid 18-digit resident ID: real birth place, real birth date, MOD 11-2 check digit."""
    born = date(1950, 1, 1) + timedelta(days=src.integer(0, 365 * 58))
    body = src.pick(ID_REGIONS) + born.strftime("%Y%m%d") + f"{src.integer(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(src: Source) -> str:
    """A valid unified social credit code (GB 32100): check character computed."""
    body = (
        src.pick("159") + src.pick("123") + src.pick(REGION_CODES) + src.text(USCC_ALPHABET, 9, 9)
    )
    return body + uscc.calc_check_digit(body)


def mobile_number(src: Source) -> str:
    return src.pick(MOBILE_PREFIXES) + src.text(string.digits, 8, 8)


def _wrong_check(value: str, alphabet: str) -> str:
    """The same number with another check character."""
    others = [c for c in alphabet if c != value[-1]]
    return value[:-1] + others[sum(map(ord, value)) % len(others)]


# ------------------------------------------------------------------ values per field type

ValueGen = Callable[[Source, FormField], Any]
#: Draw functions of valid values, keyed by field type name (groups are handled by
#: :func:`level_data`). They run under hypothesis or a seeded random alike.
VALUE_STRATEGIES: dict[str, ValueGen] = {}


def register_values(type_name: str) -> Callable[[ValueGen], ValueGen]:
    def register(fn: ValueGen) -> ValueGen:
        VALUE_STRATEGIES[type_name] = fn
        return fn

    return register


def _text_value(src: Source, f: FormField, default_max: int) -> str:
    if f.pattern is not None and f.pattern in PATTERNS:
        return PATTERNS[f.pattern](src)
    lo = max(1, f.min_length or 1)
    hi = f.max_length or default_max
    if _chance(src, 1, 8):
        n = hi  # exactly at the limit
    elif _chance(src, 1, 8):
        n = lo
    else:
        n = src.integer(lo, max(lo, min(hi, 12)))
    return src.text(TEXT_ALPHABET, n, n)


@register_values("text")
def _text(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 200)


@register_values("textarea")
def _textarea(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 2000)


@register_values("address")
def _address(src: Source, f: FormField) -> Any:
    return _text_value(src, f, 200)


def _number_between(src: Source, lo: float | None, hi: float | None, decimals: int) -> int | float:
    low = math.ceil(lo) if lo is not None else -1000
    high = math.floor(hi) if hi is not None else low + 100000
    if low > high:  # bounds closer than one unit: stay on the lower bound
        assert lo is not None
        return lo
    whole = src.integer(low, high)
    if decimals == 0 or whole == high or not src.boolean():
        return whole
    cents = src.integer(1, 10**decimals - 1)
    value = round(whole + cents / 10**decimals, decimals)
    return value if hi is None or value <= hi else whole


@register_values("number")
def _number(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum, f.maximum, 2)


@register_values("integer")
def _integer(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum, f.maximum, 0)


@register_values("money")
def _money(src: Source, f: FormField) -> Any:
    return _number_between(src, f.minimum if f.minimum is not None else 0, f.maximum, 2)


@register_values("date")
def _date(src: Source, f: FormField) -> Any:
    return (date(2000, 1, 1) + timedelta(days=src.integer(0, 365 * 30))).isoformat()


@register_values("boolean")
def _boolean(src: Source, f: FormField) -> Any:
    return src.boolean()


@register_values("choice")
def _choice(src: Source, f: FormField) -> Any:
    values = [o.value for o in f.options or []]
    if not f.multiple:
        return src.pick(values)
    chosen = [v for v in values if src.boolean()]
    return chosen or [src.pick(values)]


@register_values("id_card")
def _id_card(src: Source, f: FormField) -> Any:
    return id_card_number(src)


@register_values("uscc")
def _uscc(src: Source, f: FormField) -> Any:
    return uscc_code(src)


@register_values("mobile")
def _mobile(src: Source, f: FormField) -> Any:
    return mobile_number(src)


@register_values("region")
def _region(src: Source, f: FormField) -> Any:
    return src.pick(REGION_CODES)


@register_values("file")
def _file(src: Source, f: FormField) -> Any:
    plugin = default_registry()["file"]
    accepted = list(f.accept or ("application/pdf", "image/jpeg", "image/png"))
    max_bytes = int((f.max_size_mb or 10.0) * 1024 * 1024)
    assert plugin.name == "file"
    return {
        "sha256": src.text("0123456789abcdef", 64, 64),
        "name": src.text(HANZI, 1, 8) + ".pdf",
        "size": src.integer(1, max_bytes),
        "content_type": src.pick(accepted),
    }


# ------------------------------------------------------------------------ breaking values

#: A broken value and a short description of what it breaks.
Broken = tuple[Any, str]
BreakGen = Callable[[Source, FormField, Any], list[Broken]]
#: Per field type: values that break one rule of a field (given a valid value), keyed by
#: type name. Each value must be non-empty (empty values are dropped, not rejected).
BREAKERS: dict[str, BreakGen] = {}


def register_breaker(type_name: str) -> Callable[[BreakGen], BreakGen]:
    def register(fn: BreakGen) -> BreakGen:
        BREAKERS[type_name] = fn
        return fn

    return register


def _text_breaks(f: FormField, value: Any, default_max: int) -> list[Broken]:
    hi = f.max_length or default_max
    out: list[Broken] = [(12345, "wrong type"), ("建" * (hi + 1), "too long")]
    if f.min_length is not None and f.min_length > 1:
        out.append(("建" * (f.min_length - 1), "too short"))
    if f.pattern is not None:
        out.append(("不匹配", "pattern"))
    return out


@register_breaker("text")
def _break_text(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 200)


@register_breaker("textarea")
def _break_textarea(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 2000)


@register_breaker("address")
def _break_address(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _text_breaks(f, value, 200)


def _bound_breaks(f: FormField, integral: bool) -> list[Broken]:
    out: list[Broken] = [("12", "wrong type"), (True, "boolean for a number")]
    minimum = f.minimum if f.minimum is not None else (0 if f.type == "money" else None)
    if minimum is not None:
        out.append(((math.floor(minimum) - 1) if integral else minimum - 0.5, "below minimum"))
    if f.maximum is not None:
        out.append(((math.ceil(f.maximum) + 1) if integral else f.maximum + 0.5, "above maximum"))
    return out


@register_breaker("number")
def _break_number(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _bound_breaks(f, False)


@register_breaker("money")
def _break_money(src: Source, f: FormField, value: Any) -> list[Broken]:
    return _bound_breaks(f, False)


@register_breaker("integer")
def _break_integer(src: Source, f: FormField, value: Any) -> list[Broken]:
    out = _bound_breaks(f, True)
    lo = f.minimum if f.minimum is not None else 0
    hi = f.maximum if f.maximum is not None else lo + 2
    if math.floor(lo) + 0.5 <= hi and math.floor(lo) + 0.5 >= lo:
        out.append((math.floor(lo) + 0.5, "fraction for an integer"))
    return out


@register_breaker("date")
def _break_date(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("2026-02-30", "no such day"), ("2026/03/01", "not ISO"), (20260301, "wrong type")]


@register_breaker("boolean")
def _break_boolean(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("是", "string for a boolean"), (1, "number for a boolean")]


@register_breaker("choice")
def _break_choice(src: Source, f: FormField, value: Any) -> list[Broken]:
    if f.multiple:
        first = (f.options or [])[0].value
        return [
            (["not_offered"], "option not offered"),
            ([first, first], "option twice"),
            (first, "string for a list"),
        ]
    return [("not_offered", "option not offered"), (["x"], "list for a single choice")]


@register_breaker("id_card")
def _break_id_card(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        (_wrong_check(value, "0123456789X"), "bad check digit"),
        (value[:17], "too short"),
        (value.lower() if value.endswith("X") else 110101, "wrong case or type"),
    ]


@register_breaker("uscc")
def _break_uscc(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [(_wrong_check(value, USCC_ALPHABET), "bad check character"), (value[:17], "too short")]


@register_breaker("mobile")
def _break_mobile(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        ("12" + value[2:], "no such prefix"),
        (value[:10], "ten digits"),
        (int(value), "wrong type"),
    ]


@register_breaker("region")
def _break_region(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [("999999", "unknown code"), ("4228", "too short")]


@register_breaker("file")
def _break_file(src: Source, f: FormField, value: Any) -> list[Broken]:
    return [
        ({**value, "sha256": "not-a-hash"}, "bad hash"),
        ({**value, "size": 0}, "empty file"),
        ({**value, "content_type": "application/x-msdownload"}, "type not accepted"),
        ({k: v for k, v in value.items() if k != "name"}, "no file name"),
    ]

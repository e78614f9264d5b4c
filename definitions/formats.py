"""Format checks of the built-in field types: cached, the hot path of every validation.

The checks are python-stdnum's and phonenumbers' own: the ISO 7064 MOD 11-2 check
character and the GB/T 2260 division table for resident IDs, the GB 32100 check
character for credit codes, and phonenumbers' metadata pattern of mainland mobiles.
Results are cached per value, so a form re-rendered, checked and submitted validates
each number once.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_2


@lru_cache(maxsize=16384)
def _region_info(code: str) -> dict[str, str]:
    """What python-stdnum's GB/T 2260 table says of a code (empty when not six digits)."""
    info: dict[str, str] = {}
    if re.fullmatch(r"[0-9]{6}", code):
        for _part, props in numdb.get("cn/loc").info(code):
            info.update(props)
    return info


def _county(info: dict[str, str]) -> str:
    return info["county"].split(",")[-1].split("]")[-1]


def region_name(code: str) -> str | None:
    """The name of a GB/T 2260 code (province + county), or None when unknown."""
    info = _region_info(code)
    if "province" not in info:
        return None
    if "county" in info:
        return info["province"] + _county(info)
    if code.endswith("00"):
        return info["province"]
    return None


def county_name(code: str) -> str | None:
    """The county's own name of a GB/T 2260 county code, without its province (建始县 for
    422822, 巴东县 for 422823), or None when the code names no county."""
    info = _region_info(code)
    return (_county(info) or None) if "county" in info else None


@lru_cache(maxsize=65536)
def id_card_ok(value: str) -> bool:
    if (
        len(value) != 18
        or not value[:17].isascii()
        or not value[:17].isdigit()
        or value[17] not in "0123456789X"
    ):
        return False
    if not mod_11_2.is_valid(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1880 or born > date.today():
        return False
    return region_name(value[:6]) is not None or bool(ric.is_valid(value))


@lru_cache(maxsize=16384)
def date_ok(value: str) -> bool:
    if len(value) != 10 or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def uscc_ok(value: str) -> bool:
    return len(value) == 18 and value == value.upper() and bool(uscc.is_valid(value))


@lru_cache(maxsize=1)
def mobile_pattern() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    mobile = metadata.mobile if metadata is not None else None
    if mobile is None or mobile.national_number_pattern is None:  # pragma: no cover
        return re.compile(r"1[3-9][0-9]{9}", re.ASCII)
    return re.compile(f"(?:{mobile.national_number_pattern})", re.ASCII)

"""Plausible sample application data for any definition (the demo data and the
benchmarks use it; the property tests have their own hypothesis strategies).

Values are drawn per field type from a seeded ``random.Random``; visibility and
requirement are honoured by filling every field and letting the compiled evaluator drop
what is hidden. Conditional values are steered so that conditions are sometimes true.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

from definitions.models import FormField, ItemDefinition

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣"
PLACES = [
    "业州镇",
    "高坪镇",
    "红岩寺镇",
    "景阳镇",
    "官店镇",
    "花坪镇",
    "长梁乡",
    "茅田乡",
    "龙坪乡",
    "三里乡",
]
REGIONS = ["422822", "422801", "422802", "420100", "422823"]
USCC_SAMPLES = ["91422822MA4F0XJ025", "92422822MA4CXXXX0J", "91420100177570439E"]

Sampler = Callable[[FormField, random.Random], Any]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def id_card(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"422822{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def _uscc(rng: random.Random) -> str:
    from stdnum.cn import uscc

    body = (
        "9"
        + rng.choice("12")
        + "422822"
        + "MA"
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    )
    return body + uscc.calc_check_digit(body)


def _text(f: FormField, rng: random.Random) -> str:
    label = f.label
    if "姓名" in label or "负责人" in label or "联系人" in label:
        value = person_name(rng)
    elif "名称" in label:
        value = f"建始县{rng.choice(PLACES)}{person_name(rng)}{rng.choice(['商店', '餐饮店', '农资店', '合作社', '加工厂'])}"
    else:
        value = f"{label}{rng.randint(1, 999)}"
    if (f.min_length and len(value) < f.min_length) or f.pattern:
        # codes and account numbers: digits of an allowed length
        value = "".join(
            rng.choice("0123456789")
            for _ in range(max(f.min_length or 0, min(f.max_length or 18, 18)))
        )
    return value[: f.max_length or 200]


def _number(f: FormField, rng: random.Random) -> Any:
    lo = f.minimum if f.minimum is not None else 0
    hi = f.maximum if f.maximum is not None else max(lo + 10, 200)
    if f.type == "integer":
        return rng.randint(int(lo), int(hi))
    return round(rng.uniform(float(lo), float(hi)), 2)


SAMPLERS: dict[str, Sampler] = {
    "text": _text,
    "textarea": lambda f, rng: f"{f.label}：情况属实，特此申请。"[: f.max_length or 2000],
    "address": lambda f, rng: f"湖北省恩施州建始县{rng.choice(PLACES)}{rng.randint(1, 99)}号",
    "number": _number,
    "integer": _number,
    "money": lambda f, rng: round(
        rng.uniform(max(0.0, float(f.minimum or 0)), float(f.maximum or 100000)), 2
    ),
    "date": lambda f, rng: (date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat(),
    "boolean": lambda f, rng: rng.random() < 0.5,
    "choice": lambda f, rng: (
        rng.sample([o.value for o in f.options or []], k=rng.randint(1, len(f.options or [])))
        if f.multiple
        else rng.choice([o.value for o in f.options or []])
    ),
    "id_card": lambda f, rng: id_card(rng),
    "uscc": lambda f, rng: _uscc(rng),
    "mobile": lambda f, rng: f"139{rng.randint(0, 99999999):08d}",
    "region": lambda f, rng: rng.choice(REGIONS),
    "file": lambda f, rng: None,
}


def sample_value(f: FormField, rng: random.Random) -> Any:
    if f.type == "group":
        low = f.repeat.min if f.repeat else 1
        high = min(f.repeat.max if f.repeat and f.repeat.max else low + 2, low + 2)
        return [
            sample_fields(f.fields or [], rng)
            for _ in range(max(1, rng.randint(low, max(low, high))))
        ]
    sampler = SAMPLERS.get(f.type)
    return None if sampler is None else sampler(f, rng)


def sample_fields(fields: list[FormField], rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.type == "file":
            continue
        value = sample_value(f, rng)
        if value is not None:
            out[f.key] = value
    return out


def sample_application(definition: ItemDefinition, rng: random.Random) -> dict[str, Any]:
    """Data for every field (hidden ones are dropped by the evaluator)."""
    return sample_fields(definition.form.all_fields(), rng)

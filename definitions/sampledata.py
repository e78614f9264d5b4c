"""Plausible values of Jianshi County for sample applications (the demo, the benchmarks):
names, places, identity numbers and codes drawn from a seeded ``random.Random``. The
field type plugins draw their samples with these (:meth:`FieldType.sample`)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

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


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def id_card(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"422822{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(rng: random.Random) -> str:
    body = (
        "9"
        + rng.choice("12")
        + "422822"
        + "MA"
        + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    )
    return body + uscc.calc_check_digit(body)


def sample_date(rng: random.Random) -> str:
    return (date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat()


def address(rng: random.Random) -> str:
    return f"湖北省恩施州建始县{rng.choice(PLACES)}{rng.randint(1, 99)}号"


def text_for(label: str, rng: random.Random) -> str:
    """A value that reads right for a field labelled ``label``."""
    if "姓名" in label or "负责人" in label or "联系人" in label:
        return person_name(rng)
    if "名称" in label:
        kind = rng.choice(["商店", "餐饮店", "农资店", "合作社", "加工厂"])
        return f"建始县{rng.choice(PLACES)}{person_name(rng)}{kind}"
    return f"{label}{rng.randint(1, 999)}"

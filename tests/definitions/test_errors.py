"""One error family: every error of ours is a BanshiError with an HTTP status, a stable code
and a Chinese message. The families are found by walking the subclasses after importing
every shipped module, so a new family that forgets its status, code or message fails here
(the web test raises one of each: see samples())."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from definitions.compile import FieldError
from definitions.errors import BanshiError
from definitions.fieldtypes import ParseError
from definitions.problems import DefinitionError, Problem
from house.settings import SettingsError
from rbac.explain import TargetError
from rbac.org_file import OrgFileError
from rbac.people import OrgError
from rbac.permissions import Decision, PermissionDenied
from runtime.calendar import UnknownYearError
from runtime.calendar_file import CalendarFileError
from runtime.checkpoints import AuditKeyError, AuditLogGap
from runtime.errors import (
    ActError,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    ReasonRequired,
    WrongState,
)
from runtime.outbox import GatewayError
from web.idempotency import KeyReused
from web.jsonbody import BadJSON
from web.ratelimit import TooManyRequests

#: Every package the wheel ships that may declare a family.
PACKAGES = ("definitions", "db", "rbac", "runtime", "renderer", "house", "admin", "web", "banshi")
CHINESE = re.compile("[\u4e00-\u9fff]")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def families() -> list[type[BanshiError]]:
    """BanshiError and every subclass declared in a shipped module (tests' own are not)."""
    for top in PACKAGES:
        package = importlib.import_module(top)
        for info in pkgutil.walk_packages(package.__path__, top + "."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    found: list[type[BanshiError]] = []
    todo: list[type[BanshiError]] = [BanshiError]
    while todo:
        cls = todo.pop()
        if cls.__module__.split(".")[0] in PACKAGES and cls not in found:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


REFUSAL = Decision(
    False,
    "no_role",
    "拒绝受理：window_clerk@county.hall 不是 county.scjg 的窗口人员",
    "window_clerk@county.hall",
    "accept",
)


def samples() -> dict[type[BanshiError], BanshiError]:
    """One instance of each family: as its callers raise it for those listed here, and
    with its default message for every other one."""
    out: list[BanshiError] = [
        BanshiError(),
        DefinitionError(
            [Problem("item.json", "/limits/promised_days", "承诺时限必须大于 0", "limits")]
        ),
        ParseError("请输入数字"),
        ActError("无法办理此项操作"),
        NotFound("案件 42282220260101000001 不存在"),
        Conflict("案件已被他人处理，请刷新后再试"),
        WrongState("案件已办结，不能再受理"),
        ReasonRequired("退回必须说明理由"),
        InvalidInput(
            "申请表有错误，请修改后再提交", [FieldError("/operator_name", "必填", "经营者名称")]
        ),
        PermissionDenied(REFUSAL),
        TargetError("无法识别的对象 planet:mars：未知前缀 planet:"),
        OrgError("用户 nobody@county 不存在（租户 422822）"),
        OrgFileError("org.toml: 缺少 name"),
        UnknownYearError([2031]),
        CalendarFileError("2031.toml: 没有日期"),
        GatewayError("sms.example.net answered 504 after 30 s"),
        AuditKeyError("BANSHI_AUDIT_KEY_FILE: 无法读取审计签名密钥 /etc/banshi/audit.pem"),
        AuditLogGap("log entry 7 is missing; nothing is signed over it"),
        SettingsError("设置错误 invalid setting BANSHI_SECRET_KEY: must be set outside demo mode"),
        TooManyRequests("查询太频繁，请 30 秒后再试", 30),
        BadJSON("JSON 中不接受 NaN"),
        KeyReused("这个 Idempotency-Key 已用于内容不同的请求，请换一个键"),
    ]
    listed: dict[type[BanshiError], BanshiError] = {type(e): e for e in out}
    for cls in families():
        if cls not in listed:
            try:
                listed[cls] = cls()
            except TypeError:  # a constructor of its own: the default message, without it
                listed[cls] = bare = cls.__new__(cls)
                BanshiError.__init__(bare)
    return listed


def test_every_family_is_a_banshi_error_with_status_code_and_chinese_message() -> None:
    found = families()
    assert {c.__name__ for c in found} >= {
        "DefinitionError",
        "ParseError",
        "ActError",
        "PermissionDenied",
        "OrgError",
        "CalendarFileError",
        "UnknownYearError",
        "TargetError",
        "GatewayError",
        "SettingsError",
    }
    known = samples()
    for cls in found:
        own = vars(cls)
        assert "code" in own and "default_message" in own, f"{cls.__qualname__}: declare both"
        assert 400 <= cls.status <= 599 and cls.status != 500, cls  # never a bare 500
        assert CODE.match(cls.code), cls
        assert CHINESE.search(cls.default_message), cls
        sample = known[cls]
        assert str(sample) == sample.message and CHINESE.search(sample.shown), cls
    codes = [cls.code for cls in found]
    assert len(codes) == len(set(codes)), "each code names one family"


def test_callers_keep_what_they_relied_on() -> None:
    assert issubclass(ParseError, ValueError) and issubclass(CalendarFileError, ValueError)
    assert issubclass(BadJSON, ValueError)
    assert issubclass(TargetError, LookupError) and issubclass(UnknownYearError, LookupError)
    assert issubclass(OrgFileError, OrgError)
    assert NotAllowed is PermissionDenied  # the acts' name for rbac's one refusal
    unknown = UnknownYearError([2032, 2031, 2031])
    assert unknown.years == (2031, 2032) and "2031年、2032年" in unknown.message
    problems = [Problem("a.json", "/code", "编码不合法", "code"), Problem("a.json", "", "x", "y")]
    assert DefinitionError(problems).problems == problems
    assert str(DefinitionError(problems)).splitlines()[0] == problems[0].format()
    assert TooManyRequests("太频繁", 12).retry_after == 12
    assert InvalidInput("有误", [FieldError("/a", "必填")]).errors == [FieldError("/a", "必填")]


def test_a_refusal_carries_its_reason_and_its_decision() -> None:
    refused = PermissionDenied(REFUSAL)
    assert (refused.status, refused.code) == (403, "forbidden")
    assert refused.message == refused.reason == REFUSAL.reason
    assert refused.decision is REFUSAL
    own = NotAllowed("只有受理窗口的工作人员或申请人本人可以提交申请")
    assert own.decision is None and own.reason.startswith("只有受理窗口")


def test_without_a_message_the_family_says_its_own() -> None:
    assert BanshiError().message == BanshiError.default_message
    assert OrgError().message == OrgError.default_message
    assert str(DefinitionError([])) == DefinitionError.default_message


@pytest.mark.parametrize("cls", [SettingsError, AuditKeyError, AuditLogGap, GatewayError])
def test_an_install_fault_is_not_shown_as_it_is(cls: type[BanshiError]) -> None:
    """The detail names settings, files or providers: a person sees the default message."""
    fault = samples()[cls]
    assert not fault.public and fault.shown == cls.default_message != fault.message
    assert fault.status == 503

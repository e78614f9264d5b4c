"""The acts that permissions are checked for. Runtime and web use exactly these names."""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    # the applicant, on their own cases
    SUBMIT = "submit"
    CORRECT = "correct"
    WITHDRAW = "withdraw"
    EVALUATE = "evaluate"
    COMPLAIN = "complain"
    # the window clerk at the accepting hall
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_CORRECTION = "request_correction"
    RECORD_PAYMENT = "record_payment"
    ASSESS_FEE = "assess_fee"
    COMPLETE = "complete"
    DELIVER = "deliver"
    FORWARD = "forward"
    # the reviewer (or chief representative) where the current step sits
    REVIEW = "review"
    START_SPECIAL = "start_special"
    FINISH_SPECIAL = "finish_special"
    RETURN = "return"
    # 受理后要求申请人补充 (where the definition names a basis), and the applicant's reply
    ASK_APPLICANT = "ask_applicant"
    APPLICANT_REPLIED = "applicant_replied"
    # the chief representative of a countersigning department
    COUNTERSIGN = "countersign"
    # the chief representative of the deciding domain, or their dated delegate
    DECIDE = "decide"
    # who the item's definition names (limits.extension_by / extension_at; default the
    # chief representative of the deciding domain), or their dated delegate
    EXTEND = "extend"
    # staff concerned with the case, supervisors, the applicant
    READ = "read"
    # supervisors
    HANDLE_WARNING = "handle_warning"
    HANDLE_COMPLAINT = "handle_complaint"
    RECTIFY = "rectify"
    # administrators (never on cases)
    MANAGE_ITEMS = "manage_items"
    MANAGE_ORG = "manage_org"
    MANAGE_USERS = "manage_users"
    MANAGE_CALENDAR = "manage_calendar"
    MANAGE_TEMPLATES = "manage_templates"


APPLICANT_ACTS: frozenset[str] = frozenset(
    {"submit", "correct", "withdraw", "evaluate", "complain"}
)
WINDOW_ACTS: frozenset[str] = frozenset(
    {
        "accept",
        "refuse",
        "request_correction",
        "record_payment",
        "assess_fee",
        "complete",
        "deliver",
        "forward",
    }
)
STEP_ACTS: frozenset[str] = frozenset(
    {"review", "start_special", "finish_special", "return", "ask_applicant", "applicant_replied"}
)
COUNTERSIGN_ACTS: frozenset[str] = frozenset({"countersign"})
DECISION_ACTS: frozenset[str] = frozenset({"decide"})
#: 延期 (行政许可法第四十二条, 政府信息公开条例第三十三条): the role the definition names
EXTENSION_ACTS: frozenset[str] = frozenset({"extend"})
READ_ACTS: frozenset[str] = frozenset({"read"})
SUPERVISION_ACTS: frozenset[str] = frozenset({"handle_warning", "handle_complaint", "rectify"})
ADMIN_ACTS: frozenset[str] = frozenset(
    {"manage_items", "manage_org", "manage_users", "manage_calendar", "manage_templates"}
)

#: Which family each act belongs to; the rules in rbac/permissions.py dispatch on it.
ACT_FAMILY: dict[str, str] = {
    **dict.fromkeys(APPLICANT_ACTS, "applicant"),
    **dict.fromkeys(WINDOW_ACTS, "window"),
    **dict.fromkeys(STEP_ACTS, "step"),
    **dict.fromkeys(COUNTERSIGN_ACTS, "countersign"),
    **dict.fromkeys(DECISION_ACTS, "decision"),
    **dict.fromkeys(EXTENSION_ACTS, "extension"),
    **dict.fromkeys(READ_ACTS, "read"),
    **dict.fromkeys(SUPERVISION_ACTS, "supervision"),
    **dict.fromkeys(ADMIN_ACTS, "admin"),
}
assert set(ACT_FAMILY) == {a.value for a in Act}

#: Chinese names of the acts, for explanations.
ACT_NAMES: dict[str, str] = {
    "submit": "提交申请",
    "correct": "补正材料",
    "withdraw": "撤件",
    "evaluate": "评价",
    "complain": "投诉",
    "accept": "受理",
    "refuse": "不予受理",
    "request_correction": "一次性告知补正",
    "record_payment": "登记缴费",
    "assess_fee": "核定收费",
    "complete": "办结",
    "deliver": "送达",
    "forward": "上报",
    "review": "审查",
    "start_special": "启动特别程序",
    "finish_special": "结束特别程序",
    "return": "退回",
    "ask_applicant": "要求申请人补充",
    "applicant_replied": "申请人已补充",
    "countersign": "会签",
    "decide": "决定",
    "extend": "延期",
    "read": "查阅",
    "handle_warning": "处理预警",
    "handle_complaint": "处理投诉",
    "rectify": "整改",
    "manage_items": "管理事项",
    "manage_org": "管理组织机构",
    "manage_users": "管理用户",
    "manage_calendar": "管理工作日历",
    "manage_templates": "管理消息模板",
}

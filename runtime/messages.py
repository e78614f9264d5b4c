"""Message templates per event (SMS): case number, item, status, what happens next, where
to query and whom to call, the complaint channel. Plain text, never HTML."""

from __future__ import annotations

from collections.abc import Mapping

from definitions.models import DecisionWording

TEMPLATES: dict[str, str] = {
    "submitted": "【建始县政务服务】您申请的“{item}”已接件，编号{number}，查询码{query_code}。窗口将审核材料，{next}。查询：{query_url} 电话{phone}",
    "accepted": "【建始县政务服务】您申请的“{item}”已受理，编号{number}，查询码{query_code}，承诺{due}前办结。查询：{query_url} 电话{phone}；投诉：{complaint}",
    "not_accepted": "【建始县政务服务】您申请的“{item}”（编号{number}）不予受理，理由：{reason}。如有异议可咨询{phone}；投诉：{complaint}",
    "correction_requested": "【建始县政务服务】您申请的“{item}”（编号{number}）需补正：{reason}。请一次性补齐后到受理窗口提交。查询：{query_url}?number={number}&code={query_code} 咨询{phone}",
    "special_started": "【建始县政务服务】您申请的“{item}”（编号{number}）{wording}。查询：{query_url}",
    "special_finished": "【建始县政务服务】您申请的“{item}”（编号{number}）{reason}已结束，继续办理。查询：{query_url}",
    "forwarded": "【建始县政务服务】您申请的“{item}”（编号{number}）已上报县级主管部门审批，结果将回到受理窗口。查询：{query_url}",
    "extended": "【建始县政务服务】您申请的“{item}”（编号{number}）法定办理期限依法{reason}，延长后的法定期限为{due}。投诉：{complaint}",
    "fee_assessed": "【建始县政务服务】您申请的“{item}”（编号{number}）应缴费用{fee}元，请按窗口告知缴纳。咨询{phone}",
    "supplement_requested": "【建始县政务服务】您申请的“{item}”（编号{number}）需补充：{reason}。补充期间不计入办理时限，请尽快向承办部门补充。查询：{query_url}?number={number}&code={query_code} 咨询{phone}",
    "decided": "【建始县政务服务】您申请的“{item}”（编号{number}）已作出决定：{decision}。{next}。查询：{query_url}",
    "completed": "【建始县政务服务】您申请的“{item}”（编号{number}）已办结：{decision}。请对本次服务作出评价：{query_url}?number={number}&code={query_code} 投诉：{complaint}",
    "delivered": "【建始县政务服务】您申请的“{item}”（编号{number}）办理结果已送达。欢迎评价：{query_url}?number={number}&code={query_code} 投诉：{complaint}",
    "withdrawn": "【建始县政务服务】您申请的“{item}”（编号{number}）已撤回。咨询{phone}",
    # the public side's messages, which belong to no case event (runtime/public/)
    "sms_code": "【建始县政务服务】验证码 {code}，用于{purpose}，{minutes}分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。",
    "draft_saved": "【建始县政务服务】您的“{item}”申请草稿已保存，{days}天内可继续填写：{link}",
    "rectification": "【建始县政务服务】您对办件{number}的评价（{level}）已收到，已交承办部门整改，{due}前回访您。投诉：县电子监察中心 0718-3322000",
    "complaint_filed": "【建始县政务服务】您的投诉已登记，追踪码{code}，将于{due}前决定是否受理。查询：{link}",
    "complaint_accepted": "【建始县政务服务】您的投诉（追踪码{code}）已受理，将于{due}前答复。详情：{link}",
    "complaint_not_accepted": "【建始县政务服务】您的投诉（追踪码{code}）不予受理，理由：{reason}。详情：{link}",
    "complaint_answered": "【建始县政务服务】您的投诉（追踪码{code}）已答复：{reason}。详情：{link}",
}


#: The county the built-in texts name; another county's messages name that county
#: (its region code's name, :func:`county_texts`).
TEXT_COUNTY = "建始县"


def county_texts(tenant: str) -> dict[str, str]:
    """The built-in texts in the county name of ``tenant`` (a region code), for a county
    other than the one they are written for; empty for that county (or an unknown code)."""
    from definitions.formats import county_name

    county = county_name(tenant)
    if county is None or county == TEXT_COUNTY:
        return {}
    return {event: text.replace(TEXT_COUNTY, county) for event, text in TEMPLATES.items()}


def in_county(text: str, tenant: str) -> str:
    """A built-in text naming :data:`TEXT_COUNTY`, in the county name of ``tenant``."""
    from definitions.formats import county_name

    county = county_name(tenant)
    return text if county is None else text.replace(TEXT_COUNTY, county)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(
    event: str, values: Mapping[str, str], overrides: Mapping[str, str] | None = None
) -> str:
    """The message of ``event``: the county's own text when it set one (/admin/templates,
    runtime/message_templates.py), else the built-in template; unknown placeholders are
    left blank."""
    template = (overrides or {}).get(event) or TEMPLATES[event]
    if event == "accepted" and not values.get("due"):  # an instant item: no promised date
        template = template.replace("承诺{due}前办结", "即办件当场办结")
    return template.format_map(_Blank(values))


def decision_text(words: DecisionWording, decision: str | None, reason: str | None = None) -> str:
    """The decision as the applicant reads it, in the item's wording (准予许可, 给予最低生活
    保障, 予以公开 …); a refusal carries its reasons."""
    text = words.words(decision)
    if decision == "denied" and reason:
        return f"{text}（{reason}）"
    return text

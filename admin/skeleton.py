"""Starting points for a new item: a blank definition per category (a template with the
steps, limits and disclosure that category usually has), or a copy of a published item
under a new code. Each starts as a draft that passes the model; the findings say what is
still to fill in."""

from __future__ import annotations

import copy
from typing import Any

from definitions.meanings import CATEGORY_MEANINGS

#: Item categories (事项类别) and their Chinese names (the definition reference's).
CATEGORY_NAMES: dict[str, str] = CATEGORY_MEANINGS
HANDLING_NAMES: dict[str, str] = {
    "instant": "即办件",
    "promised": "承诺件",
    "reported": "上报件",
    "joint": "联办件",
}

_STEPS_PROMISED: list[dict[str, Any]] = [
    {"key": "accept", "kind": "accept", "at": "window", "role": "window_clerk", "days": 1},
    {"key": "review", "kind": "review", "at": "owner", "role": "reviewer", "days": 3},
    {"key": "decide", "kind": "decide", "at": "owner", "role": "chief_representative", "days": 1},
    {"key": "complete", "kind": "complete", "at": "window", "role": "window_clerk", "days": 1},
]
_STEPS_INSTANT: list[dict[str, Any]] = [
    {"key": "accept", "kind": "accept", "at": "window", "role": "window_clerk", "days": 0},
    {"key": "complete", "kind": "complete", "at": "window", "role": "window_clerk", "days": 0},
]
#: Per category: handling, statutory and promised days, the steps.
_TEMPLATES: dict[str, tuple[str, int, int, list[dict[str, Any]]]] = {
    "administrative_license": ("promised", 20, 9, _STEPS_PROMISED),
    "administrative_confirmation": ("promised", 20, 9, _STEPS_PROMISED),
    "administrative_payment": ("promised", 20, 9, _STEPS_PROMISED),
    "public_service": ("promised", 15, 7, _STEPS_PROMISED),
    "information_disclosure": ("promised", 20, 9, _STEPS_PROMISED),
    "administrative_filing": ("instant", 0, 0, _STEPS_INSTANT),
    "other": ("instant", 0, 0, _STEPS_INSTANT),
}


def blank(code: str, name: str, owner: str, category: str) -> dict[str, Any]:
    """A new item of ``category`` owned by ``owner``: one section, one field, the usual
    steps of its category, accepted at the county hall."""
    handling, statutory, promised, steps = _TEMPLATES.get(category, _TEMPLATES["other"])
    return {
        "code": code,
        "name": name,
        "category": category,
        "handling": handling,
        "owner": owner,
        "levels": {"accept": ["county.hall"], "decide": "owner"},
        "basis": [{"ref": "basis-1", "title": "（请填写设定依据，如《……》第……条）"}],
        "limits": {"statutory_days": statutory, "promised_days": promised, "basis": "basis-1"},
        "form": {
            "sections": [
                {
                    "title": "申请人信息",
                    "fields": [
                        {
                            "key": "applicant_name",
                            "label": "申请人姓名",
                            "type": "text",
                            "required": True,
                            "max_length": 50,
                        },
                        {"key": "mobile", "label": "联系电话", "type": "mobile", "required": True},
                    ],
                }
            ]
        },
        "materials": [],
        "steps": copy.deepcopy(steps),
        "fees": [],
        "no_fee": {"basis": "basis-1"},
        "notify": ["accepted", "completed"],
        "disclosure": (
            {"guide": True, "publish_results": True, "result_fields": ["applicant_name"]}
            if category == "administrative_license"
            else {"guide": True}
        ),
        "service": {
            "location": "县政务服务中心",
            "phone": "0718-3322000",
            "complaint": "县电子监察中心 0718-3322000",
        },
    }


def copy_of(doc: dict[str, Any], code: str, name: str) -> dict[str, Any]:
    """A published item's definition under a new code and name."""
    out = copy.deepcopy(doc)
    out["code"] = code
    out["name"] = name
    return out

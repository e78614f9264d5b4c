from __future__ import annotations

from typing import Any

import pytest

from definitions.compile import CompiledItem, compile_item
from definitions.models import ItemDefinition

#: A small licence: a text with a bound, a switch that shows a number, a multiple choice
#: and a group of at most three rows.
DEFINITION: dict[str, Any] = {
    "code": "422822-SCJG-XK-9001",
    "name": "测试许可",
    "category": "administrative_license",
    "handling": "promised",
    "owner": "county.scjg",
    "levels": {"accept": ["county.hall"]},
    "basis": [{"ref": "law", "title": "《某某条例》第一条"}],
    "limits": {"statutory_days": 20, "promised_days": 5, "basis": "law"},
    "form": {
        "sections": [
            {
                "title": "经营者",
                "fields": [
                    {
                        "key": "operator",
                        "label": "经营者名称",
                        "type": "text",
                        "required": True,
                        "max_length": 20,
                    },
                    {"key": "cold_chain", "label": "是否冷链", "type": "boolean", "required": True},
                    {
                        "key": "cold_m3",
                        "label": "冷库容积",
                        "type": "number",
                        "minimum": 0,
                        "visible_when": {"field": "cold_chain", "eq": True},
                        "required_when": {"field": "cold_chain", "eq": True},
                    },
                    {
                        "key": "items",
                        "label": "经营项目",
                        "type": "choice",
                        "multiple": True,
                        "options": [
                            {"value": "hot", "label": "热食"},
                            {"value": "cold", "label": "冷食"},
                        ],
                    },
                ],
            },
            {
                "title": "从业人员",
                "fields": [
                    {
                        "key": "staff",
                        "label": "从业人员",
                        "type": "group",
                        "repeat": {"min": 1, "max": 3},
                        "fields": [
                            {"key": "name", "label": "姓名", "type": "text", "required": True},
                            {"key": "since", "label": "入职日期", "type": "date"},
                        ],
                    }
                ],
            },
        ]
    },
    "steps": [
        {"key": "accept", "kind": "accept", "at": "window", "role": "window_clerk", "days": 1},
        {
            "key": "decide",
            "kind": "decide",
            "at": "owner",
            "role": "chief_representative",
            "days": 2,
        },
        {"key": "complete", "kind": "complete", "at": "window", "role": "window_clerk", "days": 1},
    ],
    "notify": ["accepted", "completed"],
    "disclosure": {"guide": True, "publish_results": True, "result_fields": ["operator"]},
    "service": {
        "location": "县政务服务中心",
        "phone": "0718-0000000",
        "complaint": "县电子监察中心 0718-0000001",
    },
}


@pytest.fixture(scope="session")
def item() -> CompiledItem:
    return compile_item(ItemDefinition.model_validate(DEFINITION))

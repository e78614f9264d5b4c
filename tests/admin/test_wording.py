"""The change between two versions in words."""

from __future__ import annotations

import copy
import json

from admin.wording import diff_words
from tests.web.demo_site import CATALOG_DIR, FOOD


def _food() -> dict:  # type: ignore[type-arg]
    return json.loads((CATALOG_DIR / f"{FOOD}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_reviewer_reads_what_changed() -> None:
    old = _food()
    new = copy.deepcopy(old)
    new["limits"]["promised_days"] = 3
    new["form"]["sections"][0]["fields"].append({"key": "extra", "label": "备注", "type": "text"})
    steps = new["steps"]
    steps[0]["at"] = "township.yezhou"
    steps[1], steps[2] = steps[2], steps[1]
    new["fees"] = [{"key": "fee", "name": "工本费", "amount": "10", "basis": "x"}]
    new["levels"]["accept"] = ["county.hall"]
    words = diff_words(old, new)
    assert "承诺时限：4 → 3 个工作日" in words
    assert any("新增字段“备注”" in w for w in words)
    assert any("新增收费“工本费”" in w for w in words)
    assert any("环节顺序调整" in w for w in words)
    assert any("办理地点：window → township.yezhou" in w for w in words)
    assert any("受理地点取消：township.*" in w for w in words)
    assert diff_words(old, old) == []
    back = diff_words(new, old)
    assert any("删除收费“工本费”" in w for w in back)


def test_a_new_item_reads_as_new() -> None:
    words = diff_words(None, {"code": "C", "name": "N"})
    assert words[0] == "新事项“N”（C）" and "申请表：0 个字段" in words


def test_a_changed_condition_reads_as_words() -> None:
    def field(cond: object) -> dict:  # type: ignore[type-arg]
        f = {"key": "m3", "label": "冷库容积", "type": "number", "required_when": cond}
        return {"form": {"sections": [{"title": "A", "fields": [f]}]}}

    words = diff_words(
        field({"field": "cold_chain", "eq": True}),
        field({"all": [{"field": "cold_chain", "eq": True}, {"field": "area", "gt": 100}]}),
    )
    assert words == [
        "字段“冷库容积”的条件必填：cold_chain 等于 是 → （cold_chain 等于 是 且 area 大于 100）"
    ]

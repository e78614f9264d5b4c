"""The difference between two versions of a definition, in words.

The reviewer reads what changed, not a JSON diff: "新增字段“冷库容积”", "承诺时限：10 → 7
个工作日", "删除收费“工本费”", "环节“受理”的办理地点：county.hall → township.*". The walk is
generic over the canonical JSON (a key the models gain tomorrow is still reported, under
its own name until it is given a Chinese one here); lists of things that carry a ``key``
(fields, materials, steps, fees) are matched by key, so a reordering reads as a move and
not as every element changed."""

from __future__ import annotations

from typing import Any

#: Chinese names of definition keys (a key without one is shown as itself).
LABELS: dict[str, str] = {
    "code": "事项编码",
    "name": "名称",
    "category": "事项类别",
    "variant": "办理情形",
    "handling": "办件类型",
    "owner": "实施主体",
    "summary": "事项概述",
    "conditions": "受理条件",
    "levels": "办理层级",
    "accept": "受理地点",
    "decide": "决定层级",
    "basis": "设定依据",
    "limits": "时限",
    "statutory_days": "法定时限",
    "promised_days": "承诺时限",
    "extension_days": "可延长天数",
    "form": "申请表",
    "sections": "分节",
    "fields": "字段",
    "materials": "申请材料",
    "steps": "办理环节",
    "fees": "收费",
    "notify": "短信通知",
    "disclosure": "公开",
    "service": "服务信息",
    "label": "标签",
    "title": "标题",
    "hint": "提示",
    "type": "类型",
    "required": "必填",
    "required_when": "条件必填",
    "visible_when": "显示条件",
    "min_length": "最短长度",
    "max_length": "最长长度",
    "minimum": "最小值",
    "maximum": "最大值",
    "options": "选项",
    "multiple": "多选",
    "repeat": "重复",
    "original": "原件",
    "copies": "份数",
    "paper": "纸质",
    "electronic": "电子版",
    "source": "来源",
    "kind": "环节类型",
    "at": "办理地点",
    "role": "办理角色",
    "days": "环节时限",
    "when": "条件",
    "procedure": "特别程序",
    "counts_toward_limit": "计入法定时限",
    "departments": "会签部门",
    "to": "上报至",
    "requires_payment": "需先缴费",
    "amount": "金额",
    "per": "按量计费",
    "waivable": "可减免",
    "location": "办理地点",
    "hours": "办公时间",
    "phone": "咨询电话",
    "online": "网上申请",
    "max_visits": "最多跑动次数",
    "complaint": "投诉渠道",
    "guide": "办事指南",
    "publish_results": "公示结果",
    "result_fields": "公示字段",
    "faq": "常见问题",
    "min": "最少行数",
    "max": "最多行数",
}
#: What a keyed list's element is called.
THINGS: dict[str, str] = {
    "fields": "字段",
    "materials": "材料",
    "steps": "环节",
    "fees": "收费",
    "options": "选项",
    "sections": "分节",
}
DAYS = {"statutory_days", "promised_days", "extension_days", "days"}
#: Values reported whole, not key by key (conditions).
WHOLE = {"required_when", "visible_when", "when"}


COMPARISONS = {
    "eq": "等于",
    "ne": "不等于",
    "in": "属于",
    "gt": "大于",
    "gte": "不小于",
    "lt": "小于",
    "lte": "不大于",
}


def condition_text(c: Any) -> str:
    """A condition in words: "cold_chain 等于 是 且 area 大于 100"."""
    if isinstance(c, dict):
        if isinstance(c.get("all"), list):
            return "（" + " 且 ".join(condition_text(x) for x in c["all"]) + "）"
        if isinstance(c.get("any"), list):
            return "（" + " 或 ".join(condition_text(x) for x in c["any"]) + "）"
        if "not" in c:
            return f"非{condition_text(c['not'])}"
        for op, word in COMPARISONS.items():
            if c.get(op) is not None:
                return f"{c.get('field')} {word} {show(c[op])}"
    return show(c)


def label(key: str) -> str:
    return LABELS.get(key, key)


def show(value: Any) -> str:
    """A value as a short text."""
    if value is None:
        return "（无）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, str):
        return value if len(value) <= 60 else value[:57] + "…"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "、".join(str(v) for v in value) or "（空）"
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "…"


def step_title(step: dict[str, Any]) -> str:
    """A step as the desk names it: its own name, its procedure's or its kind's title."""
    from definitions.plugins import default_plugins

    plugins = default_plugins()
    if isinstance(step.get("name"), str) and step["name"]:
        return str(step["name"])
    procedure = plugins.procedures.get(str(step.get("procedure") or ""))
    if procedure is not None:
        return procedure.title
    kind = plugins.step_kinds.get(str(step.get("kind") or ""))
    return kind.title if kind is not None else str(step.get("kind") or step.get("key") or "")


def _name(thing: dict[str, Any]) -> str:
    for k in ("label", "name", "title"):
        v = thing.get(k)
        if isinstance(v, str) and v:
            return f"“{v}”"
    if thing.get("kind"):
        return f"“{step_title(thing)}”（{thing.get('key', '')}）"
    return f"“{thing.get('key', '')}”"


def _keyed(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and isinstance(v.get("key"), str) for v in value)
    )


def diff_words(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """The changes from ``old`` to ``new`` (two definitions' canonical JSON), one sentence each."""
    if old is None:
        return [f"新事项“{new.get('name', '')}”（{new.get('code', '')}）", *_summary(new)]
    out: list[str] = []
    _walk(old, new, "", out)
    return out


def _walk(old: Any, new: Any, where: str, out: list[str], key: str = "") -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for k in [*old.keys(), *(k for k in new if k not in old)]:
            if k == "sections" and isinstance(old.get(k), list) and isinstance(new.get(k), list):
                _sections(old[k], new[k], where, out)
                continue
            if k in WHOLE and old.get(k) != new.get(k):  # a condition reads as a whole
                a, b = old.get(k), new.get(k)
                _leaf(
                    None if a is None else condition_text(a),
                    None if b is None else condition_text(b),
                    f"{where}{label(k)}",
                    out,
                    k,
                )
                continue
            grouping = isinstance(old.get(k), dict) or isinstance(new.get(k), dict)
            # a grouping (limits, levels, service …) is not named: "承诺时限：10 → 7"
            _walk(old.get(k), new.get(k), where if grouping else f"{where}{label(k)}", out, k)
        return
    if _keyed(old) or _keyed(new):
        _list(old or [], new or [], where, key, out)
        return
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and key in ("accept", "notify", "departments", "result_fields", "conditions")
    ):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        if added:
            out.append(f"{where}新增：{show(added)}")
        if removed:
            out.append(f"{where}取消：{show(removed)}")
        if not added and not removed:
            out.append(f"{where}顺序调整")
        return
    _leaf(old, new, where, out, key)


def _leaf(old: Any, new: Any, where: str, out: list[str], key: str) -> None:
    unit = " 个工作日" if key in DAYS and isinstance(new, int) and isinstance(old, int) else ""
    if old is None:
        out.append(f"{where}设为 {show(new)}{unit}")
    elif new is None:
        out.append(f"{where}已删除（原为 {show(old)}）")
    else:
        out.append(f"{where}：{show(old)} → {show(new)}{unit}")


def _sections(old: list[Any], new: list[Any], where: str, out: list[str]) -> None:
    """Fields are matched by key across sections: moving a field between sections is a move."""

    def flat(sections: list[Any]) -> dict[str, tuple[str, dict[str, Any]]]:
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for s in sections:
            if isinstance(s, dict):
                for f in s.get("fields") or []:
                    if isinstance(f, dict) and isinstance(f.get("key"), str):
                        found[f["key"]] = (str(s.get("title", "")), f)
        return found

    titles_old = [s.get("title") for s in old if isinstance(s, dict)]
    titles_new = [s.get("title") for s in new if isinstance(s, dict)]
    for t in titles_new:
        if t not in titles_old:
            out.append(f"{where}新增分节“{t}”")
    for t in titles_old:
        if t not in titles_new:
            out.append(f"{where}删除分节“{t}”")
    a, b = flat(old), flat(new)
    for k, (sec, f) in b.items():
        if k not in a:
            out.append(f"{where}新增字段{_name(f)}（{sec}）")
        else:
            osec, of = a[k]
            if osec != sec:
                out.append(f"{where}字段{_name(f)}从“{osec}”移到“{sec}”")
            _walk(of, f, f"{where}字段{_name(f)}的", out)
    for k, (sec, f) in a.items():
        if k not in b:
            out.append(f"{where}删除字段{_name(f)}（{sec}）")


def _list(old: list[Any], new: list[Any], where: str, key: str, out: list[str]) -> None:
    thing = THINGS.get(key, label(key))
    prefix = where[: -len(label(key))] if where.endswith(label(key)) else where
    a = {o["key"]: o for o in old if isinstance(o, dict)}
    b = {n["key"]: n for n in new if isinstance(n, dict)}
    for k, n in b.items():
        if k not in a:
            out.append(f"{prefix}新增{thing}{_name(n)}")
    for k, o in a.items():
        if k not in b:
            out.append(f"{prefix}删除{thing}{_name(o)}")
    kept_old = [k for k in a if k in b]
    kept_new = [k for k in b if k in a]
    if kept_old != kept_new:
        out.append(f"{prefix}{thing}顺序调整：{' → '.join(_name(b[k]) for k in kept_new)}")
    for k in kept_new:
        _walk(a[k], b[k], f"{prefix}{thing}{_name(b[k])}的", out)


def _summary(new: dict[str, Any]) -> list[str]:
    """What a new item holds, in a few lines (the reviewer has nothing to compare with)."""
    out: list[str] = []
    limits: dict[str, Any] = new["limits"] if isinstance(new.get("limits"), dict) else {}
    if limits:
        out.append(
            f"时限：法定 {limits.get('statutory_days')} 个工作日，承诺 {limits.get('promised_days')} 个工作日"
        )
    form: dict[str, Any] = new["form"] if isinstance(new.get("form"), dict) else {}
    count = 0
    stack = [
        f for s in form.get("sections") or [] if isinstance(s, dict) for f in s.get("fields") or []
    ]
    while stack:
        f = stack.pop()
        if isinstance(f, dict):
            count += 1
            stack.extend(f.get("fields") or [])
    out.append(f"申请表：{count} 个字段")
    steps = [s for s in new.get("steps") or [] if isinstance(s, dict)]
    if steps:
        out.append("办理环节：" + " → ".join(step_title(s) for s in steps))
    materials = [m for m in new.get("materials") or [] if isinstance(m, dict)]
    out.append(
        f"申请材料：{len(materials)} 项"
        + (f"（{show([m.get('name') for m in materials])}）" if materials else "")
    )
    fees = [f for f in new.get("fees") or [] if isinstance(f, dict)]
    out.append(f"收费：{len(fees)} 项" if fees else "收费：无")
    accept = (
        (new.get("levels") or {}).get("accept") if isinstance(new.get("levels"), dict) else None
    )
    if isinstance(accept, list):
        out.append(f"受理地点：{show(accept)}")
    return out

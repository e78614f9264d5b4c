"""Plugins all the way: special-procedure kinds and step kinds register like field types;
the registry handed to the compiler is the one that validates; field types answer what
callers ask (no caller names a type); groups nest to a bounded depth."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from definitions.compile import Compiler
from definitions.fieldtypes import default_registry
from definitions.limits import MAX_GROUP_DEPTH
from definitions.loading import pydantic_problems
from definitions.models import ItemDefinition, Step, StepKind
from definitions.plugins import Plugins
from definitions.procedures import (
    DayUnit,
    ProcedureKind,
    ProcedureRegistry,
    default_procedures,
    register_builtin_procedures,
)
from definitions.stepkinds import StepKindPlugin, StepKindRegistry, register_builtin_step_kinds
from tests.definitions.conftest import REPO, example_raw

DEMOCRATIC_REVIEW = ProcedureKind(
    "democratic_review",
    "民主评议",
    counts=False,
    days=5,
    unit=DayUnit.WORKING,
    basis="《湖北省最低生活保障实施办法》（村民委员会组织民主评议）",
    meaning="民主评议：村（居）民代表对申请家庭的情况进行评议。",
)


def county_plugins() -> Plugins:
    procedures = ProcedureRegistry()
    register_builtin_procedures(procedures)
    procedures.register(DEMOCRATIC_REVIEW)
    return Plugins(procedures=procedures)


def with_procedure(name: str, **step: Any) -> dict[str, Any]:
    raw = example_raw()
    raw["steps"][1] = {
        "key": "inspect",
        "kind": "special",
        "procedure": name,
        "at": "owner",
        "role": "reviewer",
        "days": 5,
        **step,
    }
    return raw


def special(procedure: str, **kw: Any) -> Step:
    base = {"key": "s", "kind": "special", "at": "owner", "role": "reviewer", "days": 7}
    return Step.model_validate({**base, "procedure": procedure, **kw})


# ------------------------------------------------------------------ special procedures


def test_the_built_in_kinds_count_as_article_45_says() -> None:
    kinds = {k.name: k for k in default_procedures()}
    assert set(kinds) >= {
        "site_inspection",
        "expert_review",
        "collective_study",
        "hearing",
        "public_notice",
        "third_party_consultation",
        "testing",
    }
    # hearing, testing (检验检测检疫) and expert review are out of the limit (第四十五条)
    assert [n for n, k in sorted(kinds.items()) if not k.counts] == [
        "expert_review",
        "hearing",
        "public_notice",
        "testing",
    ]
    assert kinds["third_party_consultation"].title == "征求第三方意见"
    assert "第三十六条" in kinds["third_party_consultation"].basis
    assert kinds["testing"].title == "检验检测检疫" and "第四十五条" in kinds["testing"].basis
    assert kinds["public_notice"].unit is DayUnit.CALENDAR
    for kind in kinds.values():
        assert re.search("[\u4e00-\u9fff]", kind.title + kind.basis + kind.meaning), kind.name


def test_the_applicant_is_told_in_working_or_calendar_days() -> None:
    step = special("public_notice", unit="calendar")
    assert step.day_unit is DayUnit.CALENDAR and step.counts is False
    assert step.wording == "因公示需要，暂停计算办理时限 7 个自然日"
    assert special("hearing").wording == "因听证需要，暂停计算办理时限 7 个工作日"
    counted = special("third_party_consultation")
    assert (
        counted.counts
        and counted.wording == "因征求第三方意见需要，办理期间 7 个工作日（计入办理时限）"
    )
    assert special("hearing", counts_toward_limit=True).counts is True
    # any step's own budget may be in calendar days; a unit is one of the two
    review = {"key": "r", "kind": "review", "at": "owner", "role": "reviewer", "days": 1}
    assert Step.model_validate({**review, "unit": "calendar"}).day_unit is DayUnit.CALENDAR
    assert Step.model_validate(review).day_unit is DayUnit.WORKING
    with pytest.raises(ValidationError, match="unit"):
        Step.model_validate({**review, "unit": "lunar"})


def test_a_countys_own_kind_validates_only_through_the_compiler_that_has_it() -> None:
    raw = with_procedure("democratic_review")
    compiler = Compiler(county_plugins())
    item = compiler.compile(compiler.validate(raw))
    step = item.definition.steps[1]
    assert step.procedure_kind is DEMOCRATIC_REVIEW
    assert step.wording == "因民主评议需要，暂停计算办理时限 5 个工作日" and not step.counts
    # the default registry refuses it, pointing at the step's procedure
    with pytest.raises(ValidationError) as refused:
        Compiler().validate(raw)
    [problem] = list(pydantic_problems(refused.value, "item.json"))
    assert problem.pointer == "/steps/1/procedure"
    assert "democratic_review" in problem.message and "site_inspection" in problem.message
    # and so does a default compiler handed a definition another registry validated
    with pytest.raises(ValidationError):
        Compiler().compile(item.definition)


def test_a_kind_registers_once_with_a_chinese_title() -> None:
    reg = ProcedureRegistry()
    reg.register(DEMOCRATIC_REVIEW)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(DEMOCRATIC_REVIEW)
    with pytest.raises(ValueError, match="lower-case"):
        reg.register(ProcedureKind("Bad", "坏", True, 1, DayUnit.WORKING, "—"))
    with pytest.raises(ValueError, match="中文名称"):
        reg.register(ProcedureKind("untitled", " ", True, 1, DayUnit.WORKING, "—"))


# ------------------------------------------------------------------------- step kinds


def test_step_kinds_say_which_keys_a_step_takes() -> None:
    base = {"key": "s", "at": "owner", "role": "reviewer", "days": 1}
    with pytest.raises(ValidationError, match="必须给出 procedure"):
        Step.model_validate({**base, "kind": "special"})
    with pytest.raises(ValidationError, match="会签环节（kind=countersign）不能给出 to"):
        Step.model_validate(
            {**base, "kind": "countersign", "departments": ["county.mz"], "to": "owner"}
        )
    # a registry without countersign refuses the kind, by the registry's own message
    kinds = StepKindRegistry()
    register_builtin_step_kinds(kinds)
    fewer = StepKindRegistry()
    for kind in kinds:
        if kind.name != "countersign":
            fewer.register(kind)
    raw = example_raw()
    raw["steps"].insert(
        3,
        {
            "key": "cs",
            "kind": "countersign",
            "at": "owner",
            "role": "chief_representative",
            "days": 1,
            "departments": ["county.zrzy"],
        },
    )
    Compiler(Plugins(step_kinds=kinds)).validate(raw)
    with pytest.raises(ValidationError, match="未知的环节类型 'countersign'"):
        Compiler(Plugins(step_kinds=fewer)).validate(raw)


# ------------------------------------------------------------------------ field types


def test_no_code_outside_the_plugins_names_a_field_type() -> None:
    """Callers ask the plugin (container, multiple, accepts_uploads …): a type test by name
    (f.type == "group") is found in no shipped module but the plugins'."""
    test = re.compile(r"""\.type\s*(==|!=|in)\s*[("']""")
    offenders = []
    for package in (
        "definitions",
        "renderer",
        "runtime",
        "web",
        "rbac",
        "db",
        "house",
        "banshi",
        "admin",
    ):
        for path in sorted((REPO / package).rglob("*.py")):
            if path.name in ("fieldtypes.py", "fieldtypes_builtin.py"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if test.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []


def test_field_types_answer_what_callers_ask() -> None:
    reg = default_registry()
    assert [t.name for t in reg if t.container] == ["group"]
    assert [t.name for t in reg if t.accepts_uploads] == ["file"]
    choice = ItemDefinition.model_validate(example_raw()).form.all_fields()
    assert all(not reg[f.type].multiple(f) for f in choice if f.options is None)


# ---------------------------------------------------------------------- nested groups


def nested_group(depth: int) -> dict[str, Any]:
    """A group of companies, each with its staff, … ``depth`` groups deep."""
    field: dict[str, Any] = {"key": "name", "label": "姓名", "type": "text", "required": True}
    for level in range(depth, 0, -1):
        field = {
            "key": f"level{level}",
            "label": f"第{level}层",
            "type": "group",
            "repeat": {"min": 1, "max": 3},
            "fields": [{"key": "title", "label": "名称", "type": "text"}, field],
        }
    return field


def test_groups_nest_to_the_languages_depth_and_no_deeper() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(nested_group(MAX_GROUP_DEPTH))
    item = Compiler().compile(ItemDefinition.model_validate(raw))
    rows = item.schema["properties"]["level1"]
    inner = rows["items"]["properties"]["level2"]["items"]["properties"]["level3"]
    assert inner["type"] == "array" and inner["maxItems"] == 3
    raw["form"]["sections"][0]["fields"][-1] = nested_group(MAX_GROUP_DEPTH + 1)
    with pytest.raises(ValidationError) as refused:
        ItemDefinition.model_validate(raw)
    [problem] = list(pydantic_problems(refused.value, "item.json"))
    assert problem.pointer == "/form/sections/0/fields/7"
    assert f"共 {MAX_GROUP_DEPTH + 1} 层，最多 {MAX_GROUP_DEPTH} 层" in problem.message


def test_nested_rows_are_validated_with_their_paths() -> None:
    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(nested_group(2))
    item = Compiler().compile(ItemDefinition.model_validate(raw))
    base = {k: v for k, v in _good().items()}
    good = {**base, "level1": [{"title": "甲公司", "level2": [{"name": "张三"}]}]}
    assert item.evaluate(good).ok
    bad = {**base, "level1": [{"level2": [{"name": "张三"}, {"title": "无名"}]}]}
    errors = item.evaluate(bad).errors
    assert [(e.path, e.label) for e in errors] == [
        ("/level1/0/level2/1/name", "第1层：第2层：姓名")
    ]
    too_many = {**base, "level1": [{"level2": [{"name": "张三"}] * 4}]}
    assert [e.path for e in item.evaluate(too_many).errors] == ["/level1/0/level2"]


def _good() -> dict[str, Any]:
    return {
        "operator_name": "建始县好味道餐饮店",
        "uscc": "91422822MA4F0XJ025",
        "legal_person_id": "42282219900101001X",
        "mobile": "13972800001",
        "cold_chain": False,
        "staff": [{"name": "张三", "health_cert_no": "JK2026-001"}],
    }


def test_the_committed_schema_knows_the_new_keys() -> None:
    text = (Path(REPO) / "definitions" / "schema" / "item.schema.json").read_text(encoding="utf-8")
    assert '"unit"' in text and "calendar" in text


def test_personal_types_say_so_and_mask_themselves() -> None:
    reg = default_registry()
    assert sorted(t.name for t in reg if t.personal) == ["address", "id_card", "mobile"]
    assert reg["id_card"].masked("42282219900101001X") == "422822********001X"
    assert reg["mobile"].masked("13972800001") == "139****0001"
    assert reg["text"].masked("建始县好味道餐饮店") == "建始县好味道餐饮店"


def test_the_strategies_draw_nested_groups_calendar_days_and_every_kind() -> None:
    """The property tests see the new capabilities: seeded definitions include groups in
    groups, calendar-day budgets and every registered special-procedure kind."""
    from tests.strategies.items import build_definition
    from tests.strategies.sources import RandomSource

    def depth(fields: Any) -> int:
        return max((1 + depth(f.fields) for f in fields or [] if f.fields), default=0)

    drawn = [build_definition(RandomSource(seed)) for seed in range(200)]
    assert any(depth(d.form.all_fields()) >= 2 for d in drawn)
    assert any(s.day_unit is DayUnit.CALENDAR for d in drawn for s in d.steps)
    used = {s.procedure for d in drawn for s in d.steps if s.procedure}
    assert used == set(default_procedures().names())


VILLAGE_REVIEW = StepKindPlugin(
    "village_review",
    "村（居）民委员会评议",
    "review",
    meaning="村（居）民委员会组织评议，作为审查环节办理。",
    like="review",
)


def test_a_countys_own_step_kind_runs_as_the_built_in_it_is_like() -> None:
    kinds = StepKindRegistry()
    register_builtin_step_kinds(kinds)
    kinds.register(VILLAGE_REVIEW)
    raw = example_raw()
    raw["steps"][2]["kind"] = "village_review"  # the review step
    compiler = Compiler(Plugins(step_kinds=kinds))
    item = compiler.compile(compiler.validate(raw))
    step = item.definition.steps[2]
    assert step.kind is StepKind.REVIEW and step.kind_title == "村（居）民委员会评议"
    assert item.canonical["steps"][2]["kind"] == "village_review"  # the definition keeps it
    assert compiler.validate(item.canonical).steps[2].kind_title == "村（居）民委员会评议"
    with pytest.raises(ValidationError) as refused:
        Compiler().validate(raw)
    [problem] = list(pydantic_problems(refused.value, "item.json"))
    assert problem.pointer == "/steps/2/kind"
    with pytest.raises(ValueError, match="not a built-in"):
        kinds.register(StepKindPlugin("odd", "奇怪", "review", like="village_review"))
    with pytest.raises(ValueError, match="finished by 'review'"):
        kinds.register(StepKindPlugin("odd", "奇怪", "decide", like="review"))


def test_a_county_may_allow_less_nesting_than_the_language() -> None:
    """BANSHI_MAX_GROUP_DEPTH bounds published definitions below the language's own bound;
    the checker names the group too deep, by its pointer."""
    from definitions.check import CheckContext, check_definition

    raw = example_raw()
    raw["form"]["sections"][0]["fields"].append(nested_group(3))
    definition = ItemDefinition.model_validate(raw)
    deep = [
        p
        for p in check_definition(definition, "item.json", CheckContext())
        if p.rule == "group-depth"
    ]
    assert deep == []
    found = [
        (p.pointer, p.message)
        for p in check_definition(definition, "item.json", CheckContext(max_group_depth=2))
        if p.rule == "group-depth"
    ]
    assert found == [
        (
            "/form/sections/0/fields/7/fields/1/fields/1",
            "重复分组“第3层”在第 3 层，本县最多允许 2 层嵌套",
        )
    ]

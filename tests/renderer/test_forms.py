"""View models of generated forms (renderer/forms.py) and the QR code of notices."""

from __future__ import annotations

from definitions.compile import CompiledItem, FieldError
from renderer.forms import FieldView, FormView, build_form, html_id
from renderer.qr import qr_svg


def _fields(view: FormView) -> dict[str, FieldView]:
    return {f.key: f for s in view.sections for f in s.fields}


def test_a_hidden_field_is_not_in_the_view_and_appears_required_once_its_condition_holds(
    item: CompiledItem,
) -> None:
    off = {"operator": "店", "cold_chain": False}
    view = build_form(item, off, item.evaluate(off))
    assert "cold_m3" not in _fields(view)
    assert _fields(view)["cold_chain"].triggers  # the page re-renders when it changes
    assert not _fields(view)["operator"].triggers
    on = {"operator": "店", "cold_chain": True}
    fields = _fields(build_form(item, on, item.evaluate(on)))
    assert fields["cold_m3"].required and fields["cold_m3"].widget == "number"
    assert fields["operator"].required and fields["operator"].max_length == 20
    assert 'maxlength="20"' in fields["operator"].input_attrs


def test_choices_groups_and_hidden_answers(item: CompiledItem) -> None:
    data = {"operator": "店", "cold_chain": False, "items": ["cold"], "staff": [{"name": "王五"}]}
    view = build_form(item, data, item.evaluate(data))
    fields = _fields(view)
    assert [(o.value, o.selected) for o in fields["items"].options] == [
        ("hot", False),
        ("cold", True),
    ]
    assert fields["items"].text == "冷食"
    assert fields["cold_chain"].text == "否"
    staff = fields["staff"]
    assert (staff.min_rows, staff.max_rows, len(staff.rows)) == (1, 3, 1)
    assert [c.name for c in staff.rows[0]] == ["staff[0][name]", "staff[0][since]"]
    assert ("staff[0][name]", "王五") in view.hidden and ("_rows_staff", "1") in view.hidden
    more = build_form(item, data, item.evaluate(data), rows={"staff": 9})
    assert len(_fields(more)["staff"].rows) == 3  # never beyond repeat.max


def test_errors_are_listed_in_page_order_with_anchors(item: CompiledItem) -> None:
    data: dict[str, object] = {"cold_chain": True}
    evaluation = item.evaluate(data)
    errors = [
        FieldError("/staff/0/name", "“姓名”必填", "姓名"),
        FieldError("/operator", "“经营者名称”必填", "经营者名称"),
        FieldError("/_applicant_name", "“申请人”必填", "申请人"),
    ]
    view = build_form(item, data, evaluation, errors)
    assert [e.path for e in view.errors] == ["/_applicant_name", "/operator", "/staff/0/name"]
    assert _fields(view)["operator"].error == "“经营者名称”必填"
    assert view.error_anchor(view.errors[1]) == "#" + html_id("/operator") == "#f-operator"
    quiet = build_form(item, data, evaluation, errors, show_errors=False)
    assert quiet.errors == [] and _fields(quiet)["operator"].error is None


def test_the_qr_code_is_inline_svg_of_the_url() -> None:
    svg = qr_svg("https://banshi.example/q/ABC123")
    assert svg.startswith("<svg") and "扫码查询办理进度" in svg
    assert qr_svg("https://banshi.example/q/ABC124") != svg

"""The structured editor: every part edited by form fields named by JSON pointers, rows
added, moved and removed by buttons, conditions built by picking, live findings over htmx,
the JSON view; hostile text stored exactly and shown inert."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.admin.helpers import NEW_CODE, create_blank, edit
from tests.web.conftest import Client

F = "/form/sections/0/fields"


def _doc(c: Client) -> dict:  # type: ignore[type-arg]
    r = c.get(f"/admin/items/{NEW_CODE}/export", params={"draft": "1"})
    assert r.status_code == 200
    return json.loads(r.text)  # type: ignore[no-any-return]


def test_a_new_item_built_without_typing_json(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    # a boolean field, then a number field required only when it is checked
    assert edit(c, {"op": f"add:{F}"}).status_code == 303
    edit(
        c,
        {
            f"v:{F}/2/key": "cold_chain",
            f"v:{F}/2/label": "是否经营冷藏冷冻食品",
            f"v:{F}/2/type": "boolean",
        },
    )
    edit(c, {"op": f"add:{F}"})
    edit(
        c,
        {
            f"v:{F}/3/key": "cold_m3",
            f"v:{F}/3/label": "冷库容积（立方米）",
            f"v:{F}/3/type": "number",
            f"cf:{F}/3/required_when": "cold_chain",
            f"co:{F}/3/required_when": "eq",
            f"cx:{F}/3/required_when": "true",
        },
    )
    # a repeating group with a nested group inside
    edit(c, {"op": f"add:{F}"})
    edit(c, {f"v:{F}/4/key": "staff", f"v:{F}/4/label": "从业人员", f"v:{F}/4/type": "group"})
    edit(c, {"op": f"add:{F}/4/repeat"})
    edit(c, {"op": f"add:{F}/4/fields"})
    edit(
        c,
        {
            f"v:{F}/4/fields/0/key": "name",
            f"v:{F}/4/fields/0/label": "姓名",
            f"b:{F}/4/fields/0/required": "1",
            f"v:{F}/4/fields/0/required": "on",
        },
    )
    # a material required only under the condition
    edit(c, {"op": "add:/materials"})
    edit(
        c,
        {
            "v:/materials/0/key": "cold_plan",
            "v:/materials/0/name": "冷链管理制度",
            "cf:/materials/0/required_when": "cold_chain",
            "co:/materials/0/required_when": "eq",
            "cx:/materials/0/required_when": "true",
        },
    )
    # a site inspection that stops the clock, accepted at townships too
    edit(c, {"op": "add:/steps"})
    edit(c, {"op": "up:/steps/4"})
    edit(c, {"op": "up:/steps/3"})
    edit(
        c,
        {
            "v:/steps/2/key": "inspect",
            "v:/steps/2/kind": "special",
            "v:/steps/2/procedure": "site_inspection",
            "v:/steps/2/at": "owner",
            "v:/steps/2/role": "reviewer",
            "v:/steps/2/days": "5",
            "v:/steps/2/counts_toward_limit": "false",
            "v:/levels/accept": "county.hall\ntownship.*",
        },
    )
    # the applicant is told when the inspection starts (the rule asks for it)
    notify = ("accepted", "special_started", "completed")
    edit(c, [("b:/notify", "1"), *(("v:/notify", e) for e in notify)])
    doc = _doc(c)
    assert doc["notify"] == list(notify)
    fields = doc["form"]["sections"][0]["fields"]
    assert fields[3]["required_when"] == {"field": "cold_chain", "eq": True}
    assert fields[3]["type"] == "number"
    assert fields[4]["type"] == "group" and fields[4]["fields"][0]["required"] is True
    assert doc["materials"][0]["required_when"] == {"field": "cold_chain", "eq": True}
    assert [s["key"] for s in doc["steps"]] == ["accept", "review", "inspect", "decide", "complete"]
    assert doc["steps"][2]["counts_toward_limit"] is False
    assert doc["levels"]["accept"] == ["county.hall", "township.*"]
    page = c.get(f"/admin/items/{NEW_CODE}").text
    assert "0 个错误" in page, page[page.find('id="findings"') :][:1500]
    preview = c.get(f"/admin/items/{NEW_CODE}/preview")
    assert preview.status_code == 200 and "冷库容积（立方米）" in preview.text
    phone = c.get(f"/admin/items/{NEW_CODE}/preview", params={"phone": "1"})
    assert phone.status_code == 200 and 'class="phone"' in phone.text


def test_live_findings_over_htmx_and_the_revision_follows(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    r = edit(c, {"v:/limits/promised_days": "15"}, htmx=True)
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="findings"' in r.text
    assert "compression" in r.text
    assert 'hx-swap-oob="true"' in r.text
    other = login("admin@county")
    stale = other.htmx_form(
        f"/admin/items/{NEW_CODE}/edit", {"v:/limits/promised_days": "9", "revision": "1"}
    )
    assert stale.status_code == 409  # a second editor with an old page is told
    # the same page's full post racing its own live save is no conflict
    own = c.send_form(
        f"/admin/items/{NEW_CODE}/edit", {"v:/limits/promised_days": "9", "revision": "1"}
    )
    assert own.status_code == 303


def test_a_number_that_does_not_parse_is_kept_and_reported(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    edit(c, {"v:/limits/promised_days": "七"})
    assert _doc(c)["limits"]["promised_days"] == "七"
    page = c.get(f"/admin/items/{NEW_CODE}").text
    assert 'value="七"' in page and "form-group-error" in page


def test_the_json_view_checks_as_typed_and_saves(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    doc = _doc(c)
    doc["limits"]["promised_days"] = 8
    from tests.admin.helpers import revision

    rev = revision(c)
    check = c.htmx_form(
        f"/admin/items/{NEW_CODE}/json", {"document": "{oops", "check": "1", "revision": rev}
    )
    assert check.status_code == 200 and "JSON 格式不正确" in check.text
    bad = c.send_form(f"/admin/items/{NEW_CODE}/json", {"document": "{oops", "revision": rev})
    assert bad.status_code == 422 and "{oops" in bad.text
    ok = c.send_form(
        f"/admin/items/{NEW_CODE}/json", {"document": json.dumps(doc), "revision": rev}
    )
    assert ok.status_code == 303
    assert _doc(c)["limits"]["promised_days"] == 8


HOSTILE = (
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    "名" * 3000,
    "\u202eevil\u200b\U0001f600 e\u0301 ﷽",
)


def test_hostile_text_is_stored_exactly_and_shown_inert(login: Callable[[str], Client]) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    for text in HOSTILE:
        edit(c, {"v:/summary": text, f"v:{F}/0/label": text, "v:/service/location": text})
        doc = _doc(c)
        assert doc["summary"] == text
        assert doc["form"]["sections"][0]["fields"][0]["label"] == text
        page = c.get(f"/admin/items/{NEW_CODE}").text
        assert "<script>alert" not in page and "<img src=x" not in page
    assert c.get("/admin/items").status_code == 200
    assert c.get(f"/admin/items/{NEW_CODE}/preview").status_code == 200
    # control characters are refused at the door, naming why
    nul = edit(c, {"v:/summary": "a\x00b"})
    assert nul.status_code == 422


def test_hostile_text_in_every_text_widget(login: Callable[[str], Client]) -> None:
    """Every text box the editor shows (driven by the schema: a key the models gain is
    covered too) keeps hostile text exactly and shows it inert."""
    from admin.editing import get_at
    from admin.editor import build_editor, walk

    c = login("admin@county.scjg")
    create_blank(c)
    for op in ("add:/materials", "add:/fees", "add:/basis"):
        edit(c, {"op": op})
    doc = _doc(c)
    texts = [
        n.pointer
        for n in walk(build_editor(doc))
        if n.widget in ("text", "textarea") and n.pointer not in ("/code", "/owner")
    ]
    assert len(texts) > 20
    for hostile in (HOSTILE[0], HOSTILE[3]):
        r = edit(c, {f"v:{p}": hostile for p in texts})
        assert r.status_code == 303
        stored = _doc(c)
        assert all(get_at(stored, p) == hostile for p in texts), [
            p for p in texts if get_at(stored, p) != hostile
        ]
        for url in (f"/admin/items/{NEW_CODE}", "/admin/items", "/admin/log"):
            page = c.get(url)
            assert page.status_code == 200
            assert "<script>alert" not in page.text


def test_a_department_admin_cannot_give_a_draft_to_another_department(
    login: Callable[[str], Client],
) -> None:
    c = login("admin@county.scjg")
    create_blank(c)
    assert edit(c, {"v:/owner": "county.lyj"}).status_code == 403
    assert _doc(c)["owner"] == "county.scjg"

"""The clerk's desk over HTTP: item search, the generated form, the window's decision, case
pages with exactly the allowed acts, the lifecycle, lost races and the printed notices."""

from __future__ import annotations

import re

import pytest

from house.wiring import House
from tests.web.demo_site import FOOD, FOREST, TENANT, application_post, food_data, valid_sample
from tests.web.flows import (
    FOOD_MATERIALS,
    accept_food,
    act,
    acts_offered,
    apply_url,
    case_number,
    main_of,
    post_application,
    state_of,
    version_on_page,
)

YEZHOU = "window_clerk@township.yezhou"


# -- finding an item ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["食品经营", "spjy", "SPJY", "422822-SCJG-XK-0001", "shipin"])
def test_item_search_by_name_initials_and_code(login, query: str) -> None:
    r = login(YEZHOU).get("/desk", params={"q": query})
    assert r.status_code == 200
    assert f'href="/desk/apply/{FOOD}?domain=township.yezhou">食品经营许可（新办）</a>' in r.text


def test_search_offers_only_items_this_window_may_accept(login) -> None:
    # 林木采伐许可 is accepted at townships only
    assert FOREST in login(YEZHOU).get("/desk", params={"q": "lmcf"}).text
    county = login("window_clerk@county.hall").get("/desk", params={"q": "lmcf"})
    assert FOREST not in county.text and "没有找到" in county.text


def test_search_as_htmx_returns_only_the_results(login) -> None:
    r = login(YEZHOU).get("/desk", params={"q": "spjy"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="item-results">')
    assert "<html" not in r.text and FOOD in r.text


def test_a_reviewer_has_no_item_search_but_a_queue(login) -> None:
    number = accept_food(login(YEZHOU))
    page = login("reviewer@county.scjg").get("/desk")
    assert 'id="q"' not in page.text
    assert f'href="/desk/cases/{number}"' in page.text


# -- the generated form ---------------------------------------------------------------


def test_form_page_labels_every_control(login) -> None:
    r = login(YEZHOU).get(apply_url())
    assert r.status_code == 200
    html = main_of(r.text)
    ids = re.findall(r'<(?:input|select|textarea)[^>]*?\bid="([^"]+)"', html)
    assert "f-operator_name" in ids and "f-staff-0-name" in ids
    for control_id in ids:
        assert f'for="{control_id}"' in html or re.search(
            rf'<label class="(radio|checkbox)"><input[^>]*id="{control_id}"', html
        ), control_id
    # hidden by condition: not on the page until its condition holds
    assert "f-cold_storage_m3" not in html and "material-cold_chain_plan" not in html
    assert "免交（政府已掌握）" in html  # the business licence is shared, not demanded


def test_the_form_is_refused_to_those_who_may_not_accept_there(login) -> None:
    assert login("reviewer@county.scjg").get(apply_url()).status_code == 403
    # a township clerk cannot accept for another township, nor an item not devolved
    assert login(YEZHOU).get(apply_url(domain="township.huaping")).status_code == 403
    r = login(YEZHOU).get(apply_url("422822-ZRZY-XK-0001"))
    assert r.status_code == 403 and "无权办理" in r.text


def test_errors_show_a_summary_linking_each_field_and_inline_errors(login) -> None:
    clerk = login(YEZHOU)
    data = food_data(legal_person_id="422822199001011230")
    del data["operator_name"]
    r = post_application(clerk, "check", data, applicant="")
    assert r.status_code == 422
    html = main_of(r.text)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary[0])
    targets = [t for t, _ in links]
    assert targets == ["f-_applicant_name", "f-operator_name", "f-legal_person_id"]  # form order
    for target, message in links:
        assert f'id="{target}"' in html  # the link leads to the control
        assert (
            re.search(rf'id="{target}-error">(<span[^>]*>[^<]*</span>)?{re.escape(message)}', html)
            or message in html
        )
    assert 'aria-invalid="true"' in html
    assert 'value="422822199001011230"' in html  # what was typed is shown back
    assert "有 3 处需要修改" in html


def test_the_error_summary_takes_focus(login) -> None:
    r = post_application(login(YEZHOU), "check", food_data(operator_name=""))
    assert re.search(r'<div class="error-summary"[^>]*\bautofocus\b', r.text)


def test_conditional_field_appears_on_refresh_and_its_material_joins(login) -> None:
    clerk = login(YEZHOU)
    r = post_application(clerk, "refresh", food_data(cold_chain=True))
    assert r.status_code == 200
    assert 'id="f-cold_storage_m3"' in r.text
    assert 'id="material-cold_chain_plan"' in r.text
    assert "error-summary" not in r.text  # refreshing is not submitting
    # now required: checking without it is an error on that field
    r = post_application(clerk, "check", food_data(cold_chain=True))
    assert r.status_code == 422
    assert '<a href="#f-cold_storage_m3">' in r.text
    # and it joins the materials to receive
    r = post_application(clerk, "check", food_data(cold_chain=True, cold_storage_m3=12))
    assert r.status_code == 200 and 'value="cold_chain_plan"' in r.text
    # back to no: gone again, and its value is dropped
    r = post_application(clerk, "refresh", food_data(cold_chain=False, cold_storage_m3=12))
    assert 'id="f-cold_storage_m3"' not in r.text and "cold_chain_plan" not in r.text


def test_refresh_as_htmx_answers_the_form_only(login) -> None:
    clerk = login(YEZHOU)
    r = clerk.htmx_form(apply_url(), application_post(food_data(by_agent=True), "refresh"))
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith("<form") and 'id="f-agent_name"' in r.text
    assert 'id="material-power_of_attorney"' in r.text


def test_group_rows_are_added_and_removed_without_javascript(login) -> None:
    clerk = login(YEZHOU)
    two = food_data()
    r = post_application(clerk, "add:staff", two)
    assert r.status_code == 200
    assert 'name="staff[1][name]"' in r.text and 'name="_rows_staff" value="2"' in r.text
    assert 'value="remove:staff:1"' in r.text
    staff = [
        {
            "name": "甲",
            "post": "manager",
            "health_cert_no": "A1",
            "health_cert_expiry": "2027-01-01",
        },
        {"name": "乙", "post": "sales", "health_cert_no": "B2", "health_cert_expiry": "2027-01-01"},
    ]
    r = post_application(clerk, "remove:staff:0", food_data(staff=staff))
    assert 'name="staff[1][name]"' not in r.text
    assert re.search(r'name="staff\[0\]\[name\]" value="乙"', r.text)
    # the last row cannot be removed (at least one)
    assert "remove:staff:0" not in r.text
    # a row left blank is dropped; a row half filled is an error on its missing cells
    blank = [*application_post(food_data(), "check"), ("_rows_staff", "2")]
    assert clerk.send_form(apply_url(), blank).status_code == 200
    half = [*application_post(food_data(), "check"), ("_rows_staff", "2"), ("staff[1][name]", "丙")]
    r = clerk.send_form(apply_url(), half)
    assert r.status_code == 422 and 'href="#f-staff-1-health_cert_no"' in r.text
    assert 'name="staff[1][name]" value="丙"' in r.text


def test_check_page_shows_the_answers_and_carries_them(login) -> None:
    clerk = login(YEZHOU)
    staff = [
        {
            "name": "甲",
            "post": "manager",
            "health_cert_no": "A1",
            "health_cert_expiry": "2027-01-01",
        },
        {"name": "乙", "post": "sales", "health_cert_no": "B2", "health_cert_expiry": "2027-01-01"},
    ]
    r = post_application(clerk, "check", food_data(staff=staff))
    assert r.status_code == 200
    html = main_of(r.text)
    assert "核对申请信息" in html
    assert "<dt>经营者名称</dt><dd>建始县业州镇放心小卖部</dd>" in html
    assert "<dt>主体业态</dt><dd>食品销售经营者</dd>" in html
    assert "<dt>从业人员名单 第1行：健康证明编号</dt><dd>A1</dd>" in html
    assert "<dt>从业人员名单 第2行：姓名</dt><dd>乙</dd>" in html
    assert 'name="staff[1][name]" value="乙"' in html  # carried to the decision
    for key in FOOD_MATERIALS:
        assert f'name="_received" value="{key}"' in html
    assert 'value="business_license"' not in html  # exempt: nothing to receive
    back = clerk.send_form(apply_url(), application_post(food_data(staff=staff), "edit"))
    assert back.status_code == 200 and 'id="application-form"' in back.text
    assert 'value="乙"' in back.text


# -- the window's decision ------------------------------------------------------------


def test_accept_needs_every_material(login) -> None:
    clerk = login(YEZHOU)
    r = post_application(clerk, "accept", received=["layout_plan"])
    assert r.status_code == 422
    assert "材料不齐，不能受理" in r.text and "保证食品安全的规章制度" in r.text


def test_accept_opens_the_case_page_with_its_acceptance_notice(login) -> None:
    clerk = login(YEZHOU)
    r = post_application(clerk, "accept", food_data(), received=FOOD_MATERIALS)
    assert r.status_code == 303
    number = case_number(r)
    page = clerk.get(r.headers["location"])  # where the window lands after accepting
    assert page.status_code == 200
    assert "已受理。请打印受理通知书交申请人。" in page.text and "办理中" in page.text
    assert f"/desk/cases/{number}/notice/acceptance" in page.text
    assert "<strong>受理</strong>" in page.text  # in the timeline
    assert re.search(r"应于\d{4}年\d+月\d+日", page.text)  # the deadline, explained
    # the flash is shown once
    assert "请打印受理通知书" not in clerk.get(f"/desk/cases/{number}").text


def test_one_time_correction_notice_lists_every_missing_material(login) -> None:
    clerk = login(YEZHOU)
    r = post_application(
        clerk,
        "correct",
        food_data(
            by_agent=True,
            agent_name="李四",
            agent_id_card="422822198503052012",
            agent_mobile="13907180002",
        ),
        received=["safety_rules"],
    )
    number = case_number(r)
    assert state_of(clerk, number) == "待补正"
    notice = clerk.get(f"/desk/cases/{number}/notice/correction")
    assert notice.status_code == 200
    missing = re.search(r"<ol>(.*?)</ol>", notice.text, re.S)
    assert missing is not None
    items = re.findall(r"<li>(.*?)</li>", missing[1])
    assert items == [
        "与食品经营相适应的经营设施空间布局和操作流程的文件（平面图）",
        "授权委托书及受托人身份证明",
    ]
    assert "一次性告知书" in notice.text


def test_correction_when_nothing_is_missing_is_refused(login) -> None:
    r = post_application(login(YEZHOU), "correct", received=FOOD_MATERIALS)
    assert r.status_code == 422 and "材料已齐全，应当受理" in r.text


def test_refusal_needs_a_reason_and_its_notice_gives_it(login) -> None:
    clerk = login(YEZHOU)
    r = post_application(clerk, "refuse")
    assert r.status_code == 422 and "不予受理必须说明理由" in r.text
    number = case_number(post_application(clerk, "refuse", reason="经营场所位于饮用水源保护区内"))
    assert state_of(clerk, number) == "不予受理"
    notice = clerk.get(f"/desk/cases/{number}/notice/refusal")
    assert "不予受理决定书" in notice.text and "经营场所位于饮用水源保护区内" in notice.text
    assert "行政复议" in notice.text


# -- the case page: exactly the allowed acts -------------------------------------------


def test_case_page_offers_each_user_exactly_their_acts(login) -> None:
    number = accept_food(login(YEZHOU))
    url = f"/desk/cases/{number}"
    expected = {
        # a walk-in applicant withdraws at the window: the clerk records the written request
        YEZHOU: ["withdraw:written"],
        # the first step after acceptance: nothing to return to, so no 退回
        "reviewer@county.scjg": ["review"],
        # full authority over the department's approvals: may review, and extend
        "chief_representative@county.scjg": ["review", "extend"],
        "department_head@county.scjg": [],
    }
    for user, acts in expected.items():
        r = login(user).get(url)
        assert r.status_code == 200, user
        assert acts_offered(r.text) == acts, user
    for outsider in ("reviewer@county.zrzy", "window_clerk@township.huaping", "applicant@demo"):
        r = login(outsider).get(url)  # the same answer as for a case that does not exist
        assert r.status_code == 404 and f"案件 {number} 不存在" in r.text, outsider
    # the chief representative decides once the review is done; the head still only reads
    assert act(login("reviewer@county.scjg"), number, "review", reason="符合").status_code == 303
    assert acts_offered(login("chief_representative@county.scjg").get(url).text) == [
        "decide:approve",
        "decide:deny",
        "return",
        "extend",
    ]
    assert acts_offered(login("department_head@county.scjg").get(url).text) == []


def test_an_act_the_user_may_not_perform_is_refused(login) -> None:
    number = accept_food(login(YEZHOU))
    head = login("department_head@county.scjg")
    r = head.send_form(f"/desk/cases/{number}/act/review", {"reason": "我来审"})
    assert r.status_code == 403
    assert re.search(r'class="notice notice-error"[^>]*id="flash">拒绝审查：', r.text)
    clerk = login(YEZHOU)
    r = act(login("reviewer@county.scjg"), number, "review", reason="符合")
    r = clerk.send_form(f"/desk/cases/{number}/act/decide", {"value": "approve"})
    assert r.status_code == 403
    assert state_of(clerk, number) == "办理中"
    r = clerk.send_form(f"/desk/cases/{number}/act/fly", {})
    assert r.status_code == 404


def test_full_lifecycle_of_a_food_licence_accepted_at_a_township(login) -> None:
    clerk, reviewer = login(YEZHOU), login("reviewer@county.scjg")
    chief = login("chief_representative@county.scjg")
    number = accept_food(clerk)
    assert act(reviewer, number, "review", reason="材料齐全，符合法定条件").status_code == 303
    assert act(chief, number, "decide", value="approve", reason="准予").status_code == 303
    assert state_of(clerk, number) == "已决定（准予许可）" or "准予" in state_of(clerk, number)
    assert acts_offered(clerk.get(f"/desk/cases/{number}").text) == ["complete", "withdraw:written"]
    assert act(clerk, number, "complete").status_code == 303
    page = clerk.get(f"/desk/cases/{number}").text
    assert "已办结" in page
    timeline = re.search(r'<ol class="timeline".*?</ol>', page, re.S)
    assert timeline is not None
    assert [a for a in re.findall(r"<strong>(.*?)</strong>", timeline[0])] == [
        "提交申请",
        "受理",
        "审查",
        "决定",
        "办结",
    ]
    result = clerk.get(f"/desk/cases/{number}/notice/result")
    assert result.status_code == 200 and "准予" in result.text
    # no longer in anyone's queue
    assert number not in reviewer.get("/desk").text


def test_full_lifecycle_of_a_reported_item(login, house: House) -> None:
    """林木采伐许可: accepted at a township, forwarded to the county forestry bureau, site
    inspection, review and decision there, certificate handed out at the township window."""
    with house.sessions() as s:
        pub = house.catalog.latest(s, TENANT, FOREST)
    assert pub is not None
    data = valid_sample(pub)
    needs = pub.compiled.evaluate(data).materials
    received = [n.material.key for n in needs if n.required and not n.exempt]
    clerk = login(YEZHOU)
    number = case_number(post_application(clerk, "accept", data, code=FOREST, received=received))
    url = f"/desk/cases/{number}"
    assert acts_offered(clerk.get(url).text) == ["forward", "withdraw:written"]
    assert act(clerk, number, "forward").status_code == 303
    reviewer, chief = login("reviewer@county.lyj"), login("chief_representative@county.lyj")
    assert acts_offered(reviewer.get(url).text) == ["start_special"]
    assert act(reviewer, number, "start_special", reason="约定现场查验").status_code == 303
    assert "中止" in state_of(reviewer, number) or "特别程序" in reviewer.get(url).text
    assert act(reviewer, number, "finish_special", reason="伐区与申请一致").status_code == 303
    assert act(reviewer, number, "review", reason="符合").status_code == 303
    assert act(chief, number, "decide", value="approve").status_code == 303
    assert acts_offered(clerk.get(url).text) == ["complete", "withdraw:written"]
    assert act(clerk, number, "complete").status_code == 303
    assert "已办结" in state_of(clerk, number)


# -- lost races -------------------------------------------------------------------------


def test_a_lost_race_shows_the_conflict_and_the_fresh_state(login) -> None:
    number = accept_food(login(YEZHOU))
    first, second = login("reviewer@county.scjg"), login("reviewer@county.scjg")
    url = f"/desk/cases/{number}"
    stale = version_on_page(second.get(url).text)
    assert act(first, number, "review", reason="先到").status_code == 303
    r = second.send_form(f"{url}/act/review", {"expected_version": stale, "reason": "后到"})
    assert r.status_code == 409
    assert "<html" in r.text and 'class="notice notice-error"' in r.text
    assert "首席代表审批决定" in r.text  # the fresh state: the case has moved on
    assert "review" not in acts_offered(r.text)  # the review is done
    assert "后到" not in r.text


def test_a_lost_race_over_htmx_answers_the_panel_fragment(login) -> None:
    number = accept_food(login(YEZHOU))
    first, second = login("reviewer@county.scjg"), login("reviewer@county.scjg")
    url = f"/desk/cases/{number}"
    stale = version_on_page(second.get(url).text)
    assert act(first, number, "review", reason="先到").status_code == 303
    r = second.htmx_form(f"{url}/act/review", {"expected_version": stale, "reason": "后到"})
    assert r.status_code == 409
    assert "<html" not in r.text and r.text.lstrip().startswith('<div id="case-panel">')
    assert 'id="flash"' in r.text and "首席代表审批决定" in r.text


def test_an_act_over_htmx_answers_the_fresh_panel(login) -> None:
    number = accept_food(login(YEZHOU))
    reviewer = login("reviewer@county.scjg")
    url = f"/desk/cases/{number}"
    version = version_on_page(reviewer.get(url).text)
    r = reviewer.htmx_form(f"{url}/act/review", {"expected_version": version, "reason": "符合"})
    assert r.status_code == 200 and "<html" not in r.text
    assert "审查完成" in r.text and "review" not in acts_offered(r.text)


# -- notices ------------------------------------------------------------------------------


def test_notices_carry_number_query_code_and_a_qr_code(login, house: House) -> None:
    clerk = login(YEZHOU)
    number = accept_food(clerk)
    page = clerk.get(f"/desk/cases/{number}").text
    code = re.search(r"<dt>查询码</dt><dd>(\w+)</dd>", page)
    assert code is not None
    r = clerk.get(f"/desk/cases/{number}/notice/acceptance")
    assert r.status_code == 200
    assert "受理通知书" in r.text and number in r.text and code[1] in r.text
    assert "<svg" in r.text and "</svg>" in r.text
    assert f"{house.settings.public_url}/query?number={number}" in r.text
    assert "向明" in r.text and "食品经营许可（新办）" in r.text


def test_a_notice_that_does_not_apply_to_the_case_is_not_printed(login) -> None:
    clerk = login(YEZHOU)
    number = accept_food(clerk)
    for kind in ("refusal", "correction", "result"):
        assert clerk.get(f"/desk/cases/{number}/notice/{kind}").status_code == 404, kind
    assert clerk.get(f"/desk/cases/{number}/notice/nonsense").status_code == 404
    assert (
        login("reviewer@county.zrzy").get(f"/desk/cases/{number}/notice/acceptance").status_code
        == 404
    )

"""The desk and the guide speak the law's words: an instant item that cannot be finished on
the spot, a fee counted at a later step and entered there, and the decision in the item's
wording on the case page, its timeline, the printed result and the service guide."""

from __future__ import annotations

import re
from typing import Any

from house.wiring import House
from tests.web.demo_site import TENANT, application_post, valid_sample
from tests.web.flows import act, acts_offered, case_number, post_application, state_of

HALL = "window_clerk@county.hall"
REGISTRATION = "422822-SCJG-XK-0002"  # 个体工商户设立登记: instant, 3 working days fallback
PAGES = "422822-ZRZY-QT-0001"  # disclosure: the pages are counted at review


def sample(house: House, code: str, **changes: Any) -> tuple[dict[str, Any], list[str]]:
    with house.sessions() as s:
        pub = house.catalog.latest(s, TENANT, code)
    assert pub is not None
    data = valid_sample(pub) | changes
    needs = pub.compiled.evaluate(data).materials
    return data, [n.material.key for n in needs if n.required and not n.exempt]


def test_an_instant_item_falls_back_at_the_window_saying_why(login, house: House) -> None:
    clerk = login(HALL)
    data, received = sample(house, REGISTRATION)
    checked = post_application(
        clerk, "check", data, code=REGISTRATION, domain="county.hall", received=received
    )
    assert "受理，不能当场办结（转为承诺件，3个工作日内办结）" in checked.text
    assert 'name="_fallback_reason"' in checked.text
    r = post_application(
        clerk, "fallback", data, code=REGISTRATION, domain="county.hall", received=received
    )
    assert r.status_code == 422 and "请说明不能当场办结的原因" in r.text
    post = application_post(data, "fallback", received=received)
    post.append(("_fallback_reason", "经营场所需核实产权证明"))
    r = clerk.send_form(f"/desk/apply/{REGISTRATION}?domain=county.hall", post)
    number = case_number(r)
    page = clerk.get(f"/desk/cases/{number}").text
    assert "办理中" in page and "经营场所需核实产权证明" in page
    assert re.search(r"应于\d{4}年\d+月\d+日", page)  # the promised deadline, explained
    # a licence-like registration on the spot is worded as the item says
    assert act(clerk, number, "complete").status_code == 303
    assert "予以登记" in state_of(clerk, number)


def test_a_promised_item_has_no_fallback_button(login, house: House) -> None:
    data, received = sample(house, "422822-SCJG-XK-0001")
    checked = post_application(login(HALL), "check", data, received=received, domain="county.hall")
    assert "不能当场办结" not in checked.text


def test_the_pages_are_entered_at_review_and_the_decision_is_worded_as_disclosure(
    login, house: House
) -> None:
    clerk = login(HALL)
    reviewer, chief = login("reviewer@county.zrzy"), login("chief_representative@county.zrzy")
    data, received = sample(house, PAGES, carrier=["paper"], delivery="pickup")
    number = case_number(
        post_application(clerk, "accept", data, code=PAGES, domain="county.hall", received=received)
    )
    url = f"/desk/cases/{number}"
    page = clerk.get(url).text
    assert "assess_fee" in acts_offered(page)
    label = "政府信息公开信息处理费（按量计收）：实际提供的页数（页）"
    assert label in page and 'name="qty_processing_by_pages"' in page
    bad = act(clerk, number, "assess_fee", qty_processing_by_pages="很多")
    assert bad.status_code == 422 and "实际提供的页数须为不小于 0 的数字" in bad.text
    assert act(clerk, number, "assess_fee", qty_processing_by_pages="120").status_code == 303
    page = clerk.get(url).text
    assert "1100.00 元（未缴）" in page
    assert "70页 × 10元 + 20页 × 20元" in page  # the timeline gives the reckoning
    assert act(clerk, number, "record_payment", payment_ref="JF0001").status_code == 303
    assert act(reviewer, number, "review", reason="检索到相关信息").status_code == 303
    decide = acts_offered(chief.get(url).text)
    assert decide[:2] == ["decide:approve", "decide:deny"]
    assert "予以公开" in chief.get(url).text and "不予公开" in chief.get(url).text
    assert act(chief, number, "decide", value="approve").status_code == 303
    assert state_of(clerk, number).endswith("（予以公开）")
    timeline = re.search(r'<ol class="timeline".*?</ol>', clerk.get(url).text, re.S)
    assert timeline is not None and "<strong>决定</strong>（予以公开）" in timeline[0]
    assert act(clerk, number, "complete").status_code == 303
    result = clerk.get(f"/desk/cases/{number}/notice/result")
    assert result.status_code == 200 and "结果：予以公开。" in result.text


def test_the_guide_says_how_the_decision_is_worded_and_what_is_charged(anon) -> None:
    page = anon.get(f"/services/{PAGES}").text
    assert "予以公开；或依法不予公开" in page
    assert "超过30页至100页（含）的部分" in page or "阶梯收费" in page
    licence = anon.get("/services/422822-SCJG-XK-0001").text
    assert "准予许可；或依法不予许可" in licence
    assert "不收费（《中华人民共和国行政许可法》第五十八条）" in licence

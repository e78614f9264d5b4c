"""The written notice of a special procedure (特别程序告知书, 行政许可法第四十五条): once a
procedure has started, the case page offers it and it carries the kind's wording."""

from __future__ import annotations

from house.wiring import House
from tests.web.demo_site import FOREST, TENANT, valid_sample
from tests.web.flows import act, case_number, post_application

YEZHOU = "window_clerk@township.yezhou"


def test_the_special_procedure_notice_carries_the_kinds_wording(login, house: House) -> None:
    with house.sessions() as s:
        pub = house.catalog.latest(s, TENANT, FOREST)
    assert pub is not None
    data = valid_sample(pub)
    needs = pub.compiled.evaluate(data).materials
    received = [n.material.key for n in needs if n.required and not n.exempt]
    clerk = login(YEZHOU)
    number = case_number(post_application(clerk, "accept", data, code=FOREST, received=received))
    url = f"/desk/cases/{number}"
    assert f"{url}/notice/special" not in clerk.get(url).text
    assert clerk.get(f"{url}/notice/special").status_code == 404  # nothing started yet
    assert act(clerk, number, "forward").status_code == 303
    reviewer = login("reviewer@county.lyj")
    assert act(reviewer, number, "start_special", reason="约定现场查验").status_code == 303
    assert f"{url}/notice/special" in reviewer.get(url).text
    notice = reviewer.get(f"{url}/notice/special")
    assert notice.status_code == 200
    assert "特别程序告知书" in notice.text and "第四十五条" in notice.text
    assert "因现场勘查需要" in notice.text and "约定现场查验" in notice.text

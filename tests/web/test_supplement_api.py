"""要求申请人补充 through the API: offered by the registry on a disclosure request under
review (政府信息公开条例第三十条), never on a licence, refused there with the reason."""

from __future__ import annotations

from typing import Any

from house.wiring import House
from tests.web.demo_site import FOOD, TENANT, food_data, valid_sample
from tests.web.flows import FOOD_MATERIALS

HALL = "window_clerk@county.hall"
DISCLOSURE = "422822-ZFB-QT-0001"


def _accepted(clerk: Any, code: str, data: dict[str, Any], received: list[Any]) -> str:
    r = clerk.api_post(
        f"/api/items/{code}/applications",
        {
            "data": data,
            "applicant": {"name": "谭斌", "mobile": "13972800001"},
            "accepting_domain": "county.hall",
        },
    )
    assert r.status_code == 201, r.text
    number = str(r.json()["number"])
    r = clerk.api_post(f"/api/cases/{number}/acts/accept", {"received": received})
    assert r.status_code == 201, r.text
    return number


def _actions(client: Any, number: str) -> list[str]:
    return [a["act"] for a in client.get(f"/api/cases/{number}").json()["actions"]]


def test_a_disclosure_request_is_asked_and_answered_through_the_api(login, house: House) -> None:
    with house.sessions() as s:
        pub = house.catalog.latest(s, TENANT, DISCLOSURE)
    assert pub is not None
    data = valid_sample(pub)
    needs = pub.compiled.evaluate(data).materials
    received = [
        {"key": n.material.key, "name": f"{n.material.name}.pdf"}
        for n in needs
        if n.required and not n.exempt
    ]
    clerk, reviewer = login(HALL), login("reviewer@county.zfb")
    number = _accepted(clerk, DISCLOSURE, data, received)
    assert "ask_applicant" in _actions(reviewer, number)
    assert "ask_applicant" not in _actions(clerk, number)  # not the window's act
    url = f"/api/cases/{number}/acts/ask_applicant"
    r = reviewer.api_post(url, {"reason": ""})
    assert r.status_code == 422 and "补充" in r.json()["message"]
    r = reviewer.api_post(url, {"reason": "请明确所需信息的文号"})
    assert r.status_code == 201 and r.json()["message"] == "已告知申请人补充，补充期间暂停计时"
    assert reviewer.api_post(url, {"reason": "再问一次"}).status_code == 409
    actions = _actions(reviewer, number)
    assert "applicant_replied" in actions and "ask_applicant" not in actions
    r = reviewer.api_post(f"/api/cases/{number}/acts/applicant_replied", {"reason": "已补充文号"})
    assert r.status_code == 201
    events = clerk.get(f"/api/cases/{number}").json()["events"]
    assert [e["act"] for e in events[-2:]] == ["要求申请人补充", "申请人已补充"]
    assert "请明确所需信息的文号" in events[-2]["reason"] and "第三十条" in events[-2]["reason"]


def test_a_licence_is_never_offered_it_and_a_post_is_refused(login) -> None:
    clerk, reviewer = login(HALL), login("reviewer@county.scjg")
    number = _accepted(clerk, FOOD, food_data(), FOOD_MATERIALS)
    assert "ask_applicant" not in _actions(reviewer, number)
    r = reviewer.api_post(f"/api/cases/{number}/acts/ask_applicant", {"reason": "请补充"})
    assert r.status_code == 409
    assert "没有受理后要求申请人补充的法定依据" in r.json()["message"]

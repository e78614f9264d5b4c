"""The portal and the catalogue: anonymous, browsable by department, event, level and
hall, searchable by name, code and pinyin initials; staff reach the desk by a link."""

from __future__ import annotations

import re

FOOD = "422822-SCJG-XK-0001"


def _names(html: str) -> list[str]:
    return re.findall(r'class="service-name">([^<]+)</a>', html)


def test_the_portal_is_a_page_for_citizens_not_a_redirect(anon) -> None:
    r = anon.get("/")
    assert r.status_code == 200
    assert "建始县政务服务" in r.text and 'href="/services"' in r.text
    assert 'href="/login?next=/desk"' in r.text  # staff reach the desk by a link
    assert "开办餐饮店" in r.text and "县市场监督管理局" in r.text


def test_a_logged_in_clerk_also_sees_the_portal_with_a_desk_link(login) -> None:
    clerk = login("window_clerk@township.yezhou")
    r = clerk.get("/")
    assert r.status_code == 200 and 'href="/desk"' in r.text


def test_search_by_pinyin_initials_name_and_code(anon) -> None:
    for q in ("spjy", "食品经营", FOOD):
        r = anon.get("/services", params={"q": q})
        assert r.status_code == 200
        assert "食品经营许可（新办）" in _names(r.text), q
    r = anon.get("/services", params={"q": "不存在的事项xyz"})
    assert r.status_code == 200 and _names(r.text) == [] and "没有找到" in r.text


def test_browse_by_department_event_level_and_hall(anon) -> None:
    r = anon.get("/services", params={"department": "county.mzj"})
    names = _names(r.text)
    assert names and all("救助" in n or "低保" in n or "最低" in n or "特困" in n for n in names)
    r = anon.get("/services", params={"event": "开办餐饮店"})
    assert set(_names(r.text)) == {"食品经营许可（新办）", "个体工商户设立登记"}
    county = set(_names(anon.get("/services", params={"level": "county"}).text))
    township = set(_names(anon.get("/services", params={"level": "township"}).text))
    assert "建设工程规划许可证核发" in county and "建设工程规划许可证核发" not in township
    assert "农村村民宅基地审批" in township and "农村村民宅基地审批" not in county
    hall = set(_names(anon.get("/services", params={"hall": "township.yezhou"}).text))
    assert hall == township


def test_the_results_fragment_for_htmx(anon) -> None:
    r = anon.get("/services", params={"q": "spjy"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="results"') and "<html" not in r.text


def test_the_guide_page_of_an_item(anon) -> None:
    r = anon.get(f"/services/{FOOD}")
    assert r.status_code == 200
    page = r.text
    for text in ("申请条件", "申请材料", "办理流程", "法定办结时限", "承诺办结时限", "收费"):
        assert text in page
    assert "《中华人民共和国食品安全法》第三十五条" in page
    assert "<svg" in page and f"https://zwfw.jianshi.example/services/{FOOD}" in page  # QR
    assert f'href="/services/{FOOD}/apply"' in page  # marked online


def test_an_unknown_item_has_no_guide(anon) -> None:
    r = anon.get("/services/422822-XXX-XK-9999")
    assert r.status_code == 404 and "办事指南" in r.text


def test_the_guide_of_a_pinned_version_stays_reachable(anon) -> None:
    r = anon.get(f"/services/{FOOD}/versions/1")
    assert r.status_code == 200 and "第 1 版" in r.text
    assert anon.get(f"/services/{FOOD}/versions/99").status_code == 404


def test_every_published_item_has_its_guide_page(anon) -> None:
    rows = anon.get("/open-data/items.json").json()["rows"]
    assert len(rows) >= 20
    for row in rows:
        r = anon.get(f"/services/{row['code']}")
        assert r.status_code == 200, row["code"]
        assert row["name"].replace("（", "").split("）")[0][:4] in r.text
        if row["online"]:
            assert anon.get(f"/services/{row['code']}/apply").status_code == 200, row["code"]

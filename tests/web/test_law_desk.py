"""At the desk, without JavaScript: a walk-in applicant withdraws at the window — the clerk
records the written request in the case's form (CSRF-protected, labelled), and the case
page then shows it withdrawn with the request on its timeline; 退回 is not offered where
nothing precedes the step."""

from __future__ import annotations

import re

from tests.web.flows import accept_food, act, acts_offered, state_of

YEZHOU = "window_clerk@township.yezhou"


def test_the_clerk_records_a_walk_in_applicants_written_withdrawal(login) -> None:
    clerk = login(YEZHOU)
    number = accept_food(clerk)
    page = clerk.get(f"/desk/cases/{number}").text
    assert acts_offered(page) == ["withdraw:written"]
    form = re.search(r"<form[^>]*act/withdraw.*?</form>", page, re.S)
    assert form is not None
    assert 'name="_csrf_token"' in form[0]
    assert "申请人书面撤回申请" in form[0] and "<label" in form[0]
    # without the written request: refused with the reason, nothing changes
    r = act(clerk, number, "withdraw", value="written", reason="  ")
    assert r.status_code == 422 and "书面撤回申请" in r.text
    assert "撤" not in state_of(clerk, number)
    r = act(clerk, number, "withdraw", value="written", reason="申请人罗某 9月30日书面申请撤回")
    assert r.status_code == 303
    assert "撤" in state_of(clerk, number)
    timeline = clerk.get(f"/desk/cases/{number}").text
    assert "书面申请撤件（窗口登记）：申请人罗某 9月30日书面申请撤回" in timeline
    # the reviewer of the department may not record it
    assert acts_offered(login("reviewer@county.scjg").get(f"/desk/cases/{number}").text) == []

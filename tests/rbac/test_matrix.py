"""The full permission matrix: every role × own / other / parent / township domain × every act.

Expectations are WRITTEN here as tables ("Y" allowed, "." denied), one column per act in the
order of COLUMNS; nothing is computed by the code under test.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from rbac.targets import CaseTarget, DomainTarget, ItemTarget

from .conftest import TENANT, OrgSpec, built, make_authorizer

#   applicant  | window clerk     | step | cs | dec | read | supervision | admin
#   s c w e c  | a r q p f c d f  | r s f r a a | c | d e | r | w c r | i o u c t
GROUPS = (
    "submit correct withdraw evaluate complain",
    "accept refuse request_correction record_payment assess_fee complete deliver forward",
    "review start_special finish_special return ask_applicant applicant_replied",
    "countersign",
    "decide extend",
    "read",
    "handle_warning handle_complaint rectify",
    "manage_items manage_org manage_users manage_calendar manage_templates",
)
COLUMNS = [act for group in GROUPS for act in group.split()]
assert len(COLUMNS) == 31

NONE = "..... ........ ...... . .. . ... ....."

DOMAINS = {
    "county": None,
    "county.hall": "county",
    "county.scjg": "county",
    "county.zrzy": "county",
    "county.jyj": "county",
    "township.yezhou": "county",
    "township.gaoping": "county",
    "village.qiaotou": "township.yezhou",
}

# fmt: off
# ---------------------------------------------------------------------------------------------
# Case A: accepted at the county hall; owner county.scjg, whose section holds the current step;
# county.zrzy countersigns; the owner decides.
CASE_A = {
    # user (role@domain)                         position        expected
    "applicant@demo":                            ("own case",    "YYYYY ........ ...... . .. Y ... ....."),
    "other@demo":                                ("other's",     NONE),
    "window_clerk@county.hall":                  ("own",         "..... YYYYYYYY ...... . .. Y ... ....."),
    "window_clerk@township.gaoping":             ("other",       NONE),
    "window_clerk@county":                       ("parent",      NONE),
    "window_clerk@township.yezhou":              ("township",    NONE),
    "reviewer@county.scjg":                      ("own",         "..... ........ YYYYYY . .. Y ... ....."),
    "reviewer@county.jyj":                       ("other",       NONE),
    "reviewer@county":                           ("parent",      NONE),
    "reviewer@township.yezhou":                  ("township",    NONE),
    "chief_representative@county.scjg":          ("own",         "..... ........ YYYYYY . YY Y ... ....."),
    "chief_representative@county.zrzy":          ("countersign", "..... ........ ...... Y .. Y ... ....."),
    "chief_representative@county.jyj":           ("other",       NONE),
    "chief_representative@county":               ("parent",      NONE),
    "chief_representative@township.yezhou":      ("township",    NONE),
    "department_head@county.scjg":               ("own",         "..... ........ ...... . .. Y ... ....."),
    "department_head@county.jyj":                ("other",       NONE),
    "department_head@county":                    ("parent",      NONE),
    "department_head@township.yezhou":           ("township",    NONE),
    "supervisor@county":                         ("parent/own",  "..... ........ ...... . .. Y YYY ....."),
    "supervisor@county.scjg":                    ("own dept",    "..... ........ ...... . .. Y YYY ....."),
    "supervisor@county.jyj":                     ("other",       NONE),
    "supervisor@township.yezhou":                ("township",    NONE),
    "admin@county":                              ("parent/own",  NONE),
    "admin@county.scjg":                         ("own dept",    NONE),
    "admin@county.jyj":                          ("other",       NONE),
    "admin@township.yezhou":                     ("township",    NONE),
}

# Case B: a devolved item accepted at township.yezhou, whose hall holds the current step and
# whose chief representative decides (levels.decide = "township").
CASE_B = {
    "applicant@demo":                            ("own case",    "YYYYY ........ ...... . .. Y ... ....."),
    "other@demo":                                ("other's",     NONE),
    "window_clerk@township.yezhou":              ("own",         "..... YYYYYYYY ...... . .. Y ... ....."),
    "window_clerk@township.gaoping":             ("other",       NONE),
    "window_clerk@county.hall":                  ("county hall", NONE),
    "window_clerk@county":                       ("parent",      NONE),
    "reviewer@township.yezhou":                  ("own",         "..... ........ YYYYYY . .. Y ... ....."),
    "reviewer@county.scjg":                      ("owner",       "..... ........ ...... . .. Y ... ....."),
    "reviewer@county.jyj":                       ("other",       NONE),
    "chief_representative@township.yezhou":      ("own",         "..... ........ YYYYYY . YY Y ... ....."),
    "chief_representative@county.scjg":          ("owner",       "..... ........ ...... . .. Y ... ....."),
    "chief_representative@township.gaoping":     ("other",       NONE),
    "chief_representative@county":               ("parent",      NONE),
    "department_head@county.scjg":               ("owner",       "..... ........ ...... . .. Y ... ....."),
    "department_head@township.yezhou":           ("township",    "..... ........ ...... . .. Y ... ....."),
    "department_head@county":                    ("parent",      NONE),
    "supervisor@county":                         ("parent",      "..... ........ ...... . .. Y YYY ....."),
    "supervisor@township.yezhou":                ("own",         "..... ........ ...... . .. Y YYY ....."),
    "supervisor@township.gaoping":               ("other",       NONE),
    "supervisor@county.scjg":                    ("owner",       "..... ........ ...... . .. Y YYY ....."),
    "admin@county":                              ("parent",      NONE),
    "admin@township.yezhou":                     ("own",         NONE),
}

# A domain itself (county.scjg): desks, queues and administration.
DOMAIN_SCJG = {
    "applicant@demo":                            ("applicant",   NONE),
    "window_clerk@county.hall":                  ("other",       NONE),
    "window_clerk@county":                       ("parent",      NONE),
    "reviewer@county.scjg":                      ("own",         "..... ........ YYYYYY . .. Y ... ....."),
    "reviewer@county":                           ("parent",      NONE),
    "chief_representative@county.scjg":          ("own",         "..... ........ YYYYYY Y YY Y ... ....."),
    "chief_representative@county.jyj":           ("other",       NONE),
    "chief_representative@county":               ("parent",      NONE),
    "department_head@county.scjg":               ("own",         "..... ........ ...... . .. Y ... ....."),
    "department_head@county":                    ("parent",      NONE),
    "supervisor@county":                         ("parent",      "..... ........ ...... . .. Y YYY ....."),
    "supervisor@county.scjg":                    ("own",         "..... ........ ...... . .. Y YYY ....."),
    "supervisor@township.yezhou":                ("township",    NONE),
    "admin@county":                              ("parent",      "..... ........ ...... . .. . ... YYYYY"),
    "admin@county.scjg":                         ("own",         "..... ........ ...... . .. . ... YYYYY"),
    "admin@county.jyj":                          ("other",       NONE),
    "admin@township.yezhou":                     ("township",    NONE),
}

# The county hall as a domain: the window desk.
DOMAIN_HALL = {
    "window_clerk@county.hall":                  ("own",         "..... YYYYYYYY ...... . .. Y ... ....."),
    "window_clerk@township.yezhou":              ("township",    NONE),
    "reviewer@county.scjg":                      ("other",       NONE),
    "supervisor@county":                         ("parent",      "..... ........ ...... . .. Y YYY ....."),
    "admin@county":                              ("parent",      "..... ........ ...... . .. . ... YYYYY"),
}

# A village under township.yezhou: supervisors and admins of the township cover it; staff of
# the township do not (a grant at a parent never silently covers a child).
DOMAIN_VILLAGE = {
    "window_clerk@township.yezhou":              ("parent",      NONE),
    "chief_representative@township.yezhou":      ("parent",      NONE),
    "supervisor@township.yezhou":                ("parent",      "..... ........ ...... . .. Y YYY ....."),
    "supervisor@county":                         ("grandparent", "..... ........ ...... . .. Y YYY ....."),
    "admin@township.yezhou":                     ("parent",      "..... ........ ...... . .. . ... YYYYY"),
    "admin@county.scjg":                         ("other",       NONE),
}

# fmt: on

TABLES = (CASE_A, CASE_B, DOMAIN_SCJG, DOMAIN_HALL, DOMAIN_VILLAGE)


def _spec() -> OrgSpec:
    staff = sorted({u for table in TABLES for u in table if not u.endswith("@demo")})
    grants = [(u, u.split("@")[0], u.split("@")[1]) for u in staff]
    return OrgSpec(
        domains=DOMAINS, staff=staff, applicants=["applicant@demo", "other@demo"], grants=grants
    )


def _check(authorizer: object, table: dict[str, tuple[str, str]], target: object) -> list[str]:
    from rbac.permissions import Authorizer

    assert isinstance(authorizer, Authorizer)
    mismatches = []
    for user, (position, row) in table.items():
        expected = row.replace(" ", "")
        assert len(expected) == len(COLUMNS), user
        for act, cell in zip(COLUMNS, expected, strict=True):
            decision = authorizer.can(user, act, target)  # type: ignore[arg-type]
            if decision.allowed != (cell == "Y"):
                mismatches.append(
                    f"{user} ({position}) {act}: expected {cell}, got {decision.code}: {decision.reason}"
                )
    return mismatches


def test_permission_matrix(sessions: sessionmaker[Session]) -> None:
    ids = built(sessions, _spec())
    authorizer = make_authorizer(sessions)
    patterns = ("county.hall", "township.*")
    case_a = CaseTarget(
        TENANT,
        "A",
        owner="county.scjg",
        accepting_domain="county.hall",
        current_domain="county.scjg",
        applicant_user_id=ids["applicant@demo"],
        accepted_by_user_id=ids["window_clerk@county.hall"],
        accept_patterns=patterns,
        decide="owner",
        countersign_departments=("county.zrzy",),
    )
    case_b = CaseTarget(
        TENANT,
        "B",
        owner="county.scjg",
        accepting_domain="township.yezhou",
        current_domain="township.yezhou",
        applicant_user_id=ids["applicant@demo"],
        accepted_by_user_id=ids["window_clerk@township.yezhou"],
        accept_patterns=patterns,
        decide="township",
    )
    mismatches = (
        _check(authorizer, CASE_A, case_a)
        + _check(authorizer, CASE_B, case_b)
        + _check(authorizer, DOMAIN_SCJG, DomainTarget(TENANT, "county.scjg"))
        + _check(authorizer, DOMAIN_HALL, DomainTarget(TENANT, "county.hall"))
        + _check(authorizer, DOMAIN_VILLAGE, DomainTarget(TENANT, "village.qiaotou"))
    )
    assert mismatches == []


# Items: (user, act, item) -> allowed. X: county hall and every township; Y: county hall only;
# Z: township.yezhou only, decided by the township.
ITEMS = {
    "X": ItemTarget(TENANT, "422822-SCJG-XK-0001", "county.scjg", ("county.hall", "township.*")),
    "Y": ItemTarget(TENANT, "422822-SCJG-XK-0002", "county.scjg", ("county.hall",)),
    "Z": ItemTarget(TENANT, "422822-SCJG-XK-0003", "county.scjg", ("township.yezhou",), "township"),
    "J": ItemTarget(
        TENANT, "422822-SCJG-XK-0004", "county.scjg", ("county.hall",), "owner", ("county.zrzy",)
    ),
}
ITEM_TABLE = [
    ("window_clerk@county.hall", "accept", "X", True),
    ("window_clerk@county.hall", "accept", "Y", True),
    ("window_clerk@county.hall", "accept", "Z", False),
    ("window_clerk@township.yezhou", "accept", "X", True),
    ("window_clerk@township.yezhou", "accept", "Y", False),
    ("window_clerk@township.yezhou", "accept", "Z", True),
    ("window_clerk@township.gaoping", "accept", "Z", False),
    ("window_clerk@township.gaoping", "accept", "X", True),
    ("chief_representative@county.scjg", "decide", "X", True),
    ("chief_representative@township.yezhou", "decide", "X", False),
    ("chief_representative@township.yezhou", "decide", "Z", True),
    ("chief_representative@county.zrzy", "countersign", "J", True),
    ("chief_representative@county.zrzy", "countersign", "X", False),
    ("department_head@county.scjg", "decide", "X", False),
    ("reviewer@county.scjg", "review", "X", True),
    ("reviewer@county.jyj", "review", "X", False),
    ("admin@county", "manage_items", "X", True),
    ("admin@county.scjg", "manage_items", "X", True),
    ("admin@county.jyj", "manage_items", "X", False),
    ("supervisor@county", "handle_warning", "X", True),
    ("applicant@demo", "submit", "X", True),
    ("applicant@demo", "read", "X", True),
    ("applicant@demo", "withdraw", "X", False),
    ("applicant@demo", "accept", "X", False),
]


def test_item_permissions(sessions: sessionmaker[Session]) -> None:
    built(sessions, _spec())
    authorizer = make_authorizer(sessions)
    wrong = [
        (user, act, item, expected)
        for user, act, item, expected in ITEM_TABLE
        if authorizer.can(user, act, ITEMS[item]).allowed != expected
    ]
    assert wrong == []

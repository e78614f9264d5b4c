"""The baseline of bench/web.py: a tiny hand-written Litestar app, and the 40-field item.

``create_app()`` (served by uvicorn ``--factory`` like ``web.app:create_app``) has the same
session cookie backend, CSRF config and security-header middleware as the real app and:

* GET /login puts the demo clerk in the session (the baseline has no users table);
* GET /form renders bench/templates/handwritten_form.html, one static Jinja template
  written out by hand with the fields of the item as the generated form shows them
  before any answer (the three conditional fields hidden), their labels, hints, error
  slots, the materials table and the page layout;
* POST /form parses (renderer.parse.parse_form) and validates (CompiledItem.evaluate)
  the posted form and answers 303, or 422 with the page and its errors. No database.

The item: 40 answer fields, 36 top-level in five sections (text, textarea, address,
number, integer, money, date, boolean, choice as radios / select / checkboxes, id_card,
uscc, mobile, region), three of them conditional (lease dates when the premises are
leased, a note when they are near a pollution source), plus a repeating group of 4
fields. Basis, limits, steps and service are the shipped food-permit item's, so it
publishes through the real catalogue checks.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, get, post
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from definitions.compile import CompiledItem, Compiler
from definitions.models import ItemDefinition
from renderer.parse import parse_form
from web.security import security_headers

REPO = Path(__file__).resolve().parent.parent
BASE_ITEM = REPO / "definitions" / "catalog" / "422822-SCJG-XK-0001.json"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CODE = "422822-SCJG-XK-0040"
SECRET = "bench-web-secret-key-bench-web-secret-key"
SESSION_USER = "window_clerk@county.hall"
LEASED = {"field": "property_type", "eq": "leased"}
NEAR = {"field": "near_pollution", "eq": True}


def _f(key: str, label: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "type": type_, **extra}


def _opts(*pairs: str) -> list[dict[str, str]]:
    return [{"value": pairs[i], "label": pairs[i + 1]} for i in range(0, len(pairs), 2)]


SECTIONS: list[dict[str, Any]] = [
    {
        "title": "经营者信息",
        "fields": [
            _f(
                "operator_name",
                "经营者名称",
                "text",
                required=True,
                max_length=100,
                hint="与营业执照一致",
            ),
            _f("uscc", "统一社会信用代码", "uscc", required=True),
            _f("legal_person", "法定代表人（负责人）", "text", required=True, max_length=50),
            _f("legal_person_id", "法定代表人（负责人）身份证号码", "id_card", required=True),
            _f("legal_person_mobile", "法定代表人联系电话", "mobile", required=True),
            _f(
                "gender",
                "法定代表人性别",
                "choice",
                required=True,
                options=_opts("m", "男", "f", "女"),
            ),
            _f("birth_date", "法定代表人出生日期", "date"),
            _f(
                "education",
                "法定代表人文化程度",
                "choice",
                options=_opts(
                    "primary",
                    "小学",
                    "junior",
                    "初中",
                    "senior",
                    "高中或中专",
                    "college",
                    "大专",
                    "bachelor",
                    "本科及以上",
                ),
            ),
            _f("contact_name", "联系人姓名", "text", max_length=50),
            _f("contact_mobile", "联系人手机号码", "mobile"),
            _f("postcode", "邮政编码", "text", max_length=6, hint="6 位数字"),
            _f(
                "registered_region",
                "住所所在行政区划",
                "region",
                required=True,
                hint="建始县为 422822",
            ),
        ],
    },
    {
        "title": "经营场所",
        "fields": [
            _f("premises", "经营场所地址", "address", required=True),
            _f("premises_region", "经营场所所在行政区划", "region", required=True),
            _f("area_m2", "经营场所面积（平方米）", "number", required=True, minimum=1),
            _f("seats", "就餐座位数", "integer", minimum=0, maximum=2000),
            _f(
                "property_type",
                "场所产权",
                "choice",
                required=True,
                options=_opts("owned", "自有", "leased", "租赁", "free", "无偿使用"),
            ),
            _f("lease_start", "租赁起始日期", "date", visible_when=LEASED, required_when=LEASED),
            _f("lease_end", "租赁截止日期", "date", visible_when=LEASED, required_when=LEASED),
            _f("rent_monthly", "月租金（元）", "money"),
            _f("near_pollution", "场所周边 25 米内是否有污染源", "boolean", required=True),
            _f(
                "pollution_note",
                "污染源情况说明",
                "textarea",
                max_length=500,
                visible_when=NEAR,
                required_when=NEAR,
            ),
        ],
    },
    {
        "title": "经营项目",
        "fields": [
            _f(
                "main_format",
                "主体业态",
                "choice",
                required=True,
                options=_opts(
                    "retail", "食品销售经营者", "catering", "餐饮服务经营者", "canteen", "单位食堂"
                ),
            ),
            _f(
                "items",
                "经营项目",
                "choice",
                required=True,
                multiple=True,
                options=_opts(
                    "prepack",
                    "预包装食品销售",
                    "bulk",
                    "散装食品销售",
                    "hot",
                    "热食类食品制售",
                    "cold",
                    "冷食类食品制售",
                    "pastry",
                    "糕点类食品制售",
                    "drinks",
                    "自制饮品制售",
                ),
            ),
            _f("opening_date", "拟开业日期", "date", required=True),
            _f("business_hours", "营业时间", "text", max_length=40, hint="如 08:00—21:00"),
            _f("employees", "从业人员人数", "integer", required=True, minimum=1, maximum=500),
            _f("cold_chain", "是否经营冷藏冷冻食品", "boolean", required=True),
            _f(
                "water_source",
                "用水来源",
                "choice",
                required=True,
                options=_opts(
                    "tap",
                    "市政自来水",
                    "well",
                    "自备井",
                    "spring",
                    "山泉水",
                    "other",
                    "其他",
                    "mixed",
                    "多种来源",
                ),
            ),
            _f("waste_contract", "已签订餐厨垃圾处置协议", "boolean"),
            _f("registered_capital", "注册资本（万元）", "money"),
        ],
    },
    {
        "title": "从业人员",
        "fields": [
            _f(
                "staff",
                "从业人员健康证明",
                "group",
                repeat={"min": 1, "max": 20},
                fields=[
                    _f("name", "姓名", "text", required=True, max_length=50),
                    _f("id_number", "身份证号码", "id_card", required=True),
                    _f("health_cert_no", "健康证明编号", "text", required=True, max_length=30),
                    _f("cert_expiry", "健康证明有效期至", "date", required=True),
                ],
            ),
        ],
    },
    {
        "title": "食品安全管理与承诺",
        "fields": [
            _f("safety_manager", "食品安全管理员", "text", required=True, max_length=50),
            _f("safety_manager_mobile", "食品安全管理员手机号码", "mobile", required=True),
            _f("training_hours", "年度培训学时", "integer", minimum=0, maximum=200),
            _f("remarks", "其他需要说明的情况", "textarea", max_length=1000),
            _f("promise", "申请人承诺所填信息真实有效", "boolean", required=True),
        ],
    },
]

MATERIALS: list[dict[str, Any]] = [
    {
        "key": "business_license",
        "name": "营业执照",
        "source": "shared",
        "original": True,
        "copies": 0,
        "required": True,
    },
    {
        "key": "layout_plan",
        "name": "经营场所平面布局图",
        "original": False,
        "copies": 1,
        "electronic": True,
        "required": True,
    },
    {
        "key": "health_certs",
        "name": "从业人员健康证明",
        "original": False,
        "copies": 1,
        "required": True,
    },
    {
        "key": "lease_contract",
        "name": "场所租赁合同",
        "original": False,
        "copies": 1,
        "required_when": LEASED,
    },
    {
        "key": "safety_rules",
        "name": "食品安全管理制度",
        "original": False,
        "copies": 1,
        "electronic": True,
        "required": True,
    },
]


def forty_field_item() -> ItemDefinition:
    raw = json.loads(BASE_ITEM.read_text(encoding="utf-8"))
    raw.update(
        code=CODE,
        name="小餐饮食品经营许可（四十项基准）",
        form={"sections": SECTIONS},
        materials=MATERIALS,
        fees=[],
    )
    raw["steps"] = [
        {k: v for k, v in s.items() if k != "when"} for s in raw["steps"] if "when" not in s
    ]
    raw["disclosure"] = {
        "guide": True,
        "publish_results": True,
        "result_fields": ["operator_name", "main_format"],
    }
    definition = ItemDefinition.model_validate(raw)
    leaves = 0
    for f in definition.form.all_fields():
        leaves += len(f.fields or []) if f.type == "group" else 1
    assert leaves == 40, leaves
    return definition


#: A valid window submission of the item (premises leased, so both lease dates are shown
#: and required; one staff row). Form names as the generated form posts them.
SUBMISSION: list[tuple[str, str]] = [
    ("_action", "accept"),
    ("_applicant_name", "建始县业州镇王记小吃店"),
    ("_applicant_mobile", "13972712345"),
    ("operator_name", "建始县业州镇王记小吃店"),
    ("uscc", "92422822MAY4CL12TE"),
    ("legal_person", "王伟"),
    ("legal_person_id", "422822199801280966"),
    ("legal_person_mobile", "13972712345"),
    ("gender", "m"),
    ("birth_date", "1979-03-04"),
    ("education", "senior"),
    ("contact_name", "李娜"),
    ("contact_mobile", "13872612345"),
    ("postcode", "445300"),
    ("registered_region", "422822"),
    ("premises", "建始县业州镇广润路 18 号"),
    ("premises_region", "422822"),
    ("area_m2", "86.5"),
    ("seats", "32"),
    ("property_type", "leased"),
    ("lease_start", "2026-01-01"),
    ("lease_end", "2028-12-31"),
    ("rent_monthly", "2800.00"),
    ("near_pollution", "false"),
    ("main_format", "catering"),
    ("items", "hot"),
    ("items", "cold"),
    ("opening_date", "2026-12-18"),
    ("business_hours", "08:00—21:00"),
    ("employees", "4"),
    ("cold_chain", "false"),
    ("water_source", "tap"),
    ("waste_contract", "true"),
    ("registered_capital", "10.00"),
    ("_rows_staff", "1"),
    ("staff[0][name]", "张敏"),
    ("staff[0][id_number]", "422822198210225960"),
    ("staff[0][health_cert_no]", "JK2026-004512"),
    ("staff[0][cert_expiry]", "2027-06-30"),
    ("safety_manager", "王伟"),
    ("safety_manager_mobile", "13972712345"),
    ("training_hours", "40"),
    ("remarks", "无"),
    ("promise", "true"),
    ("_received", "business_license"),
    ("_received", "layout_plan"),
    ("_received", "health_certs"),
    ("_received", "lease_contract"),
    ("_received", "safety_rules"),
]


# -- the hand-written app ---------------------------------------------------------------


@cache
def compiled_item() -> CompiledItem:
    return Compiler().compile(forty_field_item())


def _secret(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{SECRET}".encode()).digest()


def _user(request: Request[Any, Any, Any]) -> str:
    user = request.session.get("user") if request.session else None
    if not user:
        raise NotAuthorizedException("请先登录")
    return str(user)


@get("/login")
async def login(request: Request[Any, Any, Any]) -> str:
    request.set_session({"user": SESSION_USER})
    return "ok"


def _page(user: str, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Template:
    return Template(
        template_name="handwritten_form.html",
        context={"user": user, "v": values, "e": errors, "error_list": list(errors.items())},
        status_code=status,
    )


@get("/form")
async def form_page(request: Request[Any, Any, Any]) -> Template:
    return _page(_user(request), {}, {})


_BLANK_FIELDS: dict[str, Markup] = {}


@get("/form-cached")
async def form_page_cached(request: Request[Any, Any, Any]) -> Template:
    """The same page with its fields rendered once and cached, as the desk caches its form body
    (the page around them — user, CSRF token — is rendered on every request, as ours is)."""
    user = _user(request)
    body = _BLANK_FIELDS.get("blank")
    if body is None:
        env = request.app.template_engine.engine  # type: ignore[union-attr]
        body = Markup(env.get_template("handwritten_fields.html").render(v={}, e={}))
        _BLANK_FIELDS["blank"] = body
    return Template(
        template_name="handwritten_form.html",
        context={"user": user, "v": {}, "e": {}, "error_list": [], "form_body": body},
    )


@post("/form")
async def submit(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = _user(request)
    form = await request.form()
    values = {k: [str(v) for v in form.getall(k) if isinstance(v, str)] for k in form}
    item = compiled_item()
    data, parse_errors = parse_form(item, values)
    evaluation = item.evaluate(data)
    errors = {
        e.path.strip("/").replace("/", "-"): e.message for e in [*parse_errors, *evaluation.errors]
    }
    if not (values.get("_applicant_name") or [""])[-1].strip():
        errors["_applicant_name"] = "请填写申请人姓名或名称"
    if errors:
        shown = {k: v[-1] for k, v in values.items() if v}
        return _page(user, shown, errors, HTTP_422_UNPROCESSABLE_ENTITY)
    return Redirect("/form/done", status_code=HTTP_303_SEE_OTHER)


def create_app() -> Litestar:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    compiled_item()
    session = CookieBackendConfig(
        secret=_secret("session"),
        key="banshi_session",
        httponly=True,
        samesite="lax",
        max_age=8 * 3600,
    )
    csrf = CSRFConfig(secret=_secret("csrf").hex(), cookie_httponly=False, cookie_samesite="strict")
    return Litestar(
        route_handlers=[login, form_page, form_page_cached, submit],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        middleware=[session.middleware, DefineMiddleware(security_headers)],
        csrf_config=csrf,
        debug=False,
    )

"""The JSON API under /api for kiosks and mobile terminals: the same acts and lookups as
the desk, the same permission checks (session login; CSRF header on writes).

Bodies are read by ``web.jsonbody`` (size, depth, duplicate keys, NUL and lone surrogates
refused) and the application data goes through the same row bound, file-reference check
and applicant rules as the desk's form. The evaluation is public (kiosks and online forms
check data before filing) and so bounded and rate-limited per client; a filing honours an
``Idempotency-Key``. Answers with personal data are ``Cache-Control: no-store``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, HeaderParameter

from definitions.compile import FieldError
from renderer.parse import check_rows
from runtime.errors import InvalidInput
from runtime.localtime import today
from runtime.queries import case_by_number
from runtime.service import Actor, Applicant, case_target
from web.acts import perform
from web.api_models import (
    ActDone,
    ActionOut,
    CaseAnswer,
    ErrorAnswer,
    Evaluation,
    EventOut,
    FeeLineOut,
    FieldProblem,
    Filed,
    ItemDetail,
    ItemRef,
    ItemSummary,
    MaterialNeed,
    UploadRef,
)
from web.auth import CurrentUser
from web.blocking import run_blocking
from web.deps import HouseDep, UserDep, login_required
from web.idempotency import HEADER, MAX_KEY, once
from web.jsonbody import read_json_object
from web.ratelimit import limit
from web.uploads import check_file_fields, known, store_scan
from web.views import case_view

NO_STORE = {"Cache-Control": "no-store"}
_STRING = Schema(type=OpenAPIType.STRING)
_OBJECT = Schema(type=OpenAPIType.OBJECT, additional_properties=True)


def _body(
    schema: Schema, description: str, media_type: str = "application/json"
) -> type[Operation]:
    """An Operation documenting a body the handler reads itself (``web.jsonbody``)."""

    @dataclass
    class _WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={media_type: OpenAPIMediaType(schema=schema)},
                description=description,
                required=True,
            )

    return _WithBody


APPLICATION_BODY = Schema(
    type=OpenAPIType.OBJECT,
    properties={
        "data": _OBJECT,
        "applicant": Schema(
            type=OpenAPIType.OBJECT,
            properties={"name": _STRING, "mobile": _STRING},
            required=["name"],
        ),
        "accepting_domain": _STRING,
    },
    required=["data", "applicant", "accepting_domain"],
)
ACT_BODY = Schema(
    type=OpenAPIType.OBJECT,
    properties={
        "expected_version": Schema(type=OpenAPIType.INTEGER),
        "reason": _STRING,
        "value": Schema(
            type=OpenAPIType.STRING,
            description="The choice the act offers (GET /api/cases/{number} lists them under "
            "actions): e.g. grant/deny for decide, fallback for accepting an instant item "
            "that cannot be finished on the spot",
        ),
        "days": Schema(type=OpenAPIType.INTEGER),
        "payment_ref": _STRING,
        "received": Schema(type=OpenAPIType.ARRAY, items=_STRING),
        "missing": Schema(type=OpenAPIType.ARRAY, items=_STRING),
        "waive": Schema(type=OpenAPIType.ARRAY, items=_STRING),
    },
    pattern_properties={
        "^qty_": Schema(
            type=OpenAPIType.STRING,
            description="assess_fee: qty_<fee key> is the actual quantity of a fee assessed "
            "at this step (a decimal number)",
        )
    },
)


def _problems(house: HouseDep, errors: list[FieldError]) -> list[FieldProblem]:
    cap = house.settings.max_errors_returned
    return [FieldProblem(e.path, e.message, e.label) for e in errors[:cap]]


def _act_values(body: dict[str, Any]) -> dict[str, list[str]]:
    """An act's JSON arguments as the desk's form values (scalars and lists of scalars)."""
    values: dict[str, list[str]] = {}
    for key, value in body.items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, dict | list) for v in items):
            raise InvalidInput(
                "参数应为文本、数字或它们的列表", [FieldError(f"/{key}", "参数格式不正确")]
            )
        values[key] = [json.dumps(v) if isinstance(v, bool) or v is None else str(v) for v in items]
    return values


#: The refusals every route may answer with, documented once (web/app.py writes them).
REFUSALS: dict[int, ResponseSpec] = {
    status: ResponseSpec(data_container=ErrorAnswer, description=words)
    for status, words in {
        401: "Not logged in (or the session ended)",
        403: "Not allowed (the reason in message); also a failed CSRF check",
        404: "No such item or case (or not one this user may read)",
        409: "The case changed meanwhile, or the act is not possible in its state",
        413: "The body is too large",
        422: "Invalid input: field errors with JSON pointers",
        429: "Too many requests (Retry-After says when to retry)",
    }.items()
}


API_TAGS = ["api"]


class ApiController(Controller):
    path = "/api"
    tags = API_TAGS

    @get("/items", responses=REFUSALS, summary="Published items (latest versions)")
    async def items(self, house: HouseDep) -> list[ItemSummary]:
        with house.reading() as s:
            published = house.catalog.all_latest(s, house.settings.tenant)
        return [
            ItemSummary(
                code=p.code,
                version=p.version,
                sha256=p.sha256,
                name=p.definition.name,
                owner=p.definition.owner,
                handling=p.definition.handling.value,
                accept=list(p.definition.levels.accept),
                statutory_days=p.definition.limits.statutory_days,
                promised_days=p.definition.limits.promised_days,
            )
            for p in published
        ]

    @get(
        "/items/{code:str}",
        responses=REFUSALS,
        summary="One item: its definition and application JSON Schema",
    )
    async def item(self, house: HouseDep, code: FromPath[str]) -> ItemDetail:
        with house.reading() as s:
            pub = house.catalog.latest(s, house.settings.tenant, code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        return ItemDetail(
            code=pub.code,
            version=pub.version,
            sha256=pub.sha256,
            definition=pub.compiled.canonical,
            application_schema=pub.compiled.schema,
        )

    @post(
        "/items/{code:str}/evaluate",
        responses=REFUSALS,
        summary="Evaluate application data: errors, visible and required fields, materials, steps, fees",
        description="Public and rate-limited per client address (BANSHI_EVALUATE_PER_MINUTE); "
        "the body is the application data object; at most BANSHI_MAX_ERRORS_RETURNED errors "
        "are listed (errors_total counts them all).",
        status_code=200,  # creates nothing
        operation_class=_body(_OBJECT, "Application data (field key -> value)"),
    )
    async def evaluate(
        self, request: Request[Any, Any, Any], house: HouseDep, code: FromPath[str]
    ) -> Response[Evaluation]:
        settings = house.settings
        await limit(request, "evaluate", settings.evaluate_per_minute, "检查太频繁，请一分钟后再试")
        pub = house.cases.latest_published(code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        data = await read_json_object(request)
        too_many = check_rows(pub.compiled, data, settings.max_group_rows)
        if too_many:
            raise InvalidInput("申请表的行数超出上限", too_many)
        # validation is CPU work that grows with the data: off the event loop
        ev = await anyio.to_thread.run_sync(pub.compiled.evaluate, data)
        answer = Evaluation(
            ok=ev.ok,
            data=ev.data,
            errors=_problems(house, list(ev.errors)),
            errors_total=len(ev.errors),
            visible=list(ev.visible),
            required=list(ev.required),
            materials=[
                MaterialNeed(m.material.key, m.material.name, m.required, m.exempt)
                for m in ev.materials
            ],
            steps=[s.key for s in ev.steps],
            fees=[FeeLineOut(f.key, f.name, str(f.amount), f.basis) for f in ev.fees],
            fee_total=str(ev.fee_total),
        )
        return Response(answer, headers=NO_STORE)

    @post(
        "/items/{code:str}/applications",
        responses=REFUSALS,
        summary="File an application at a hall",
        description=f"Send an {HEADER} header to make retries safe: the same key and body "
        "replay the first answer; the same key with another body is refused (422).",
        status_code=201,
        operation_class=_body(APPLICATION_BODY, "The application, its applicant and the hall"),
        guards=[login_required],
    )
    async def apply(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        code: FromPath[str],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name=HEADER, required=False, max_length=MAX_KEY)
        ] = None,
    ) -> Response[Filed]:
        body = await read_json_object(request)
        if idempotency_key is None:
            filed = await self._file(request, house, user, code, body)
            return Response(filed, status_code=201, headers=NO_STORE)

        async def run() -> dict[str, Any]:  # the kept answer is plain JSON
            return asdict(await self._file(request, house, user, code, body))

        response = await once(request, user.username, idempotency_key, [code, body], 201, run)
        response.headers.update(NO_STORE)
        return response

    async def _file(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: CurrentUser,
        code: str,
        body: dict[str, Any],
    ) -> Filed:
        application = body.get("data")
        if not isinstance(application, dict):
            raise InvalidInput(
                "请求体应包含 data（申请数据对象）", [FieldError("/data", "应为申请数据对象")]
            )
        applicant = body.get("applicant")
        if applicant is None:
            applicant = {}
        if not isinstance(applicant, dict):
            raise InvalidInput(
                "applicant 应为对象（name、mobile）", [FieldError("/applicant", "应为对象")]
            )
        domain = body.get("accepting_domain")
        if not isinstance(domain, str):
            raise InvalidInput(
                "请填写受理窗口（accepting_domain）",
                [FieldError("/accepting_domain", "应为文本")],
            )
        pub = house.cases.latest_published(code)
        if pub is None:
            raise NotFoundException(f"事项 {code} 不存在或尚未发布")
        errors = check_rows(pub.compiled, application, house.settings.max_group_rows)
        errors += check_file_fields(house, known(request), pub.compiled, application)
        if errors:
            raise InvalidInput("申请表有错误，请修改后再提交", errors)
        own = user.kind == "applicant"
        name = applicant.get("name")
        # an applicant filing for themselves may leave the name out; the rules check the rest
        chosen_name: Any = user.display_name if name is None and own else name
        with request.app.state.metrics.counting("submit"):
            case = await run_blocking(
                request,
                partial(
                    house.cases.submit,
                    Actor(user.username),
                    code,
                    application,
                    accepting_domain=domain,
                    applicant=Applicant(
                        chosen_name,
                        applicant.get("mobile"),
                        user.id if own else None,
                    ),
                ),
            )
        return Filed(case.number, case.query_code, case.state, case.version)

    @post(
        "/uploads",
        responses=REFUSALS,
        summary="Upload a scan (PDF, JPEG or PNG) for a file field of a later filing",
        description="multipart/form-data with one part named file, at most "
        "BANSHI_MAX_UPLOAD_MB. The answer is the reference to put in the application data; "
        "a filing accepts only references to uploads of the same session.",
        status_code=201,
        operation_class=_body(
            Schema(
                type=OpenAPIType.OBJECT,
                properties={"file": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)},
                required=["file"],
            ),
            "The scan",
            "multipart/form-data",
        ),
        guards=[login_required],
    )
    async def upload(self, request: Request[Any, Any, Any]) -> Response[UploadRef]:
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput(
                "请以 multipart/form-data 上传一个名为 file 的文件",
                [FieldError("/file", "请选择文件")],
            )
        ref = await store_scan(request, file)
        return Response(UploadRef(**ref), status_code=201, headers=NO_STORE)

    @get(
        "/cases/{number:str}",
        responses=REFUSALS,
        summary="One case, as the user may see it",
        guards=[login_required],
    )
    async def case(
        self, house: HouseDep, user: UserDep, number: FromPath[str]
    ) -> Response[CaseAnswer]:
        tenant = house.settings.tenant
        with house.reading() as s:
            case = case_by_number(s, tenant, number)
            if case is None:
                raise NotFoundException(f"案件 {number} 不存在")
            pub = house.catalog.by_id(s, case.item_version_id)
            hidden = NotFoundException(f"案件 {number} 不存在")  # as for a case that does not exist
            house.authorizer.require(
                user.username, "read", case_target(case, pub), otherwise=hidden
            )
            view = case_view(
                s,
                case,
                pub,
                house.policy.snapshot(tenant),
                house.calendar(),
                today(),
                house.settings.yellow_card_share,
            )
            actions = house.cases.possible(user.username, case, pub, s)
        answer = CaseAnswer(
            number=view.number,
            version=view.version,
            item=ItemRef(view.item_code, view.item_name, view.item_version),
            state=view.state,
            state_name=view.state_name,
            decision=view.decision,
            current_step=view.step_name,
            current_domain=view.current_domain,
            deadline=view.deadline_text,
            card=view.card,
            data=json.loads(case.data),
            events=[EventOut(e.act_name, e.at, e.actor, e.reason) for e in view.events],
            actions=[ActionOut(a.act, a.label, a.value) for a in actions],
            deadlines=view.deadlines,
        )
        return Response(answer, headers=NO_STORE)

    @post(
        "/cases/{number:str}/acts/{act:str}",
        responses=REFUSALS,
        summary="Perform an act on a case",
        operation_class=_body(ACT_BODY, "The act's arguments"),
        guards=[login_required],
    )
    async def act(
        self,
        request: Request[Any, Any, Any],
        house: HouseDep,
        user: UserDep,
        number: FromPath[str],
        act: FromPath[str],
    ) -> Response[ActDone]:
        values = _act_values(await read_json_object(request))
        message = await run_blocking(
            request,
            partial(
                perform,
                house,
                user,
                number,
                act,
                values,
                request.app.state.metrics,
            ),
        )
        return Response(ActDone(message), status_code=201, headers=NO_STORE)

"""The public case query (办件查询) by number + query code: on the web, on phone-sized
screens, and in a kiosk mode for the terminals in township halls and villages (large
type, big touch targets, an on-screen keypad, back to an empty form after a minute and a
half without a touch).

The answer (runtime/public/query.py) is the same for a wrong number and a wrong code.
Tries are limited per client address and per case number, counted in the store every
process shares (web/ratelimit.py): guessing a code means guessing one of 31⁶ values
through both limits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Template

from runtime.numbers import QUERY_ALPHABET
from runtime.public.query import public_answer
from web.blocking import run_blocking
from web.deps import house_of
from web.public.common import page, titles
from web.public.limits import limit_case
from web.ratelimit import limit
from web.views import CHINA

#: Seconds without a touch before a kiosk returns to an empty form.
KIOSK_IDLE_S = 90
#: The keys of the kiosk's keypad: digits, then the letters query codes use.
KEYPAD_DIGITS = "1234567890"
KEYPAD_LETTERS = "".join(c for c in QUERY_ALPHABET if c.isalpha())


class PortalController(Controller):
    path = "/query"
    include_in_schema = False

    @get("/")
    async def query(
        self,
        request: Request[Any, Any, Any],
        number: FromQuery[str | None] = None,
        code: FromQuery[str | None] = None,
        kiosk: FromQuery[bool] = False,
    ) -> Template:
        house = house_of(request)
        # what was typed is shown back as typed (escaped); what is looked up is bounded
        typed_number, typed_code = (number or "")[:200], (code or "")[:200]
        number = typed_number.strip()[:40]
        code = typed_code.strip().upper()[:20]
        context: dict[str, Any] = {
            "number": typed_number,
            "code": typed_code,
            "kiosk": kiosk,
            "idle_s": KIOSK_IDLE_S,
            "digits": KEYPAD_DIGITS,
            "letters": KEYPAD_LETTERS,
        }
        status = 200
        if number and code:
            # per client address, then per case number, in the store every process shares
            await limit(
                request, "query", house.settings.query_per_minute, "查询太频繁，请一分钟后再试"
            )
            await limit_case(request, number)
            names = titles(house)
            today = datetime.now(UTC).astimezone(CHINA).date()

            def read() -> Any:
                calendar = house.calendar()  # taken before the session (one connection)
                with house.sessions() as s:  # no permission is asked: no policy snapshot
                    return public_answer(
                        s,
                        house.catalog,
                        calendar,
                        house.settings.tenant,
                        number,
                        code,
                        today,
                        names,
                    )

            answer = await run_blocking(request, read)
            if answer is None:
                context["error"] = "案件编号或查询码不正确"
                status = 404
            else:
                context["result"] = answer
        elif number or code:
            context["error"] = "请填写案件编号和查询码"
            status = 422
        return page(request, "query.html", context, block="query_result", status=status)

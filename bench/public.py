"""Public side: the service guide and the case query page beside hand-written Jinja pages.

Measured like bench/web.py's form page (its servers, wrk at 32 connections, ABBA rounds,
p50 and p99 beside the baseline's): uvicorn, one worker each, in subprocesses.

Ours: ``web.app:create_app`` on a database prepared like ``banshi demo load`` (bench/web.py
``prepare``) plus one accepted 食品经营许可 case; anonymous, as a citizen is.

* ``public guide page``: GET /services/422822-SCJG-XK-0001 — the newest published version
  read from the catalogue, the guide's view built from the definition
  (renderer/guide.py), the page with its QR code;
* ``public query page``: GET /query?number=…&code=… — both rate limits counted in the
  shared store, the case by number and code, both deadlines computed and explained, the
  public timeline, the rating check. The limits are raised for the run
  (BANSHI_QUERY_PER_MINUTE=10000, BANSHI_QUERY_PER_CASE_PER_MINUTE=1000000) so they are
  counted but never trip.

Baseline (``handwritten_app`` below): a bare Litestar app with the same session cookie
backend, CSRF config, security-header middleware and Jinja2 settings as bench/web.py's; the guide is a hand-written template fed the raw JSON of
the same item once at start-up (no models, no catalogue, no QR code); the query is a
hand-written template over two hand-written SQL statements (the case by number and code,
its events) on the same database, with the stored due dates (no deadline explanation, no
rate limit). Goal: ratio ≥ 1.0. ``BANSHI_BENCH_PUBLIC_SECONDS`` sets the measured seconds
per side (default 6: the address limit's one-minute window must not fill).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.middleware import DefineMiddleware
from litestar.params import FromQuery
from litestar.response import Template
from litestar.template.config import TemplateConfig
from sqlalchemy import create_engine, text

from bench import Figure

REPO = Path(__file__).resolve().parent.parent
FOOD = "422822-SCJG-XK-0001"
RAW = REPO / "definitions" / "catalog" / f"{FOOD}.json"
#: The shared store (sessions, rate limits) in Redis when ``BANSHI_BENCH_REDIS_URL`` is set
#: (default: the test machine's server, database 15), else the database's kv table.
REDIS = os.environ.get("BANSHI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")

BASE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{% block title %}{% endblock %} - 办事</title>
<link rel="stylesheet" href="/static/banshi.css"></head><body>
<header class="header"><div class="container"><a class="brand" href="/">办事 · 建始县政务服务</a></div></header>
<main class="container" id="main"><nav><a href="/">首页</a> <a href="/services">办事指南</a> <a href="/query">办件查询</a> <a href="/publicity">结果公示</a> <a href="/complaints/new">投诉建议</a></nav>{% block content %}{% endblock %}</main>
<footer class="footer"><div class="container">建始县政务服务中心 · 投诉：县电子监察中心 0718-3322000</div></footer>
</body></html>"""

GUIDE = """{% extends "base.html" %}{% block title %}{{ d.name }} 办事指南{% endblock %}{% block content %}
<article class="guide"><p class="caption">事项编码 {{ d.code }}</p><h1 class="heading">{{ d.name }}</h1>
<p>{{ d.summary }}</p>
<dl class="summary-list"><dt>实施主体</dt><dd>县市场监督管理局</dd>
<dt>法定办结时限</dt><dd>{{ d.limits.statutory_days }} 个工作日</dd>
<dt>承诺办结时限</dt><dd>{{ d.limits.promised_days }} 个工作日</dd>
<dt>到现场次数</dt><dd>最多跑 {{ d.service.max_visits }} 次</dd></dl>
<h2 class="heading-m">申请条件</h2><ol>{% for c in d.conditions %}<li>{{ c }}</li>{% endfor %}</ol>
<h2 class="heading-m">申请材料</h2><table class="table"><thead><tr><th>序号</th><th>材料名称</th><th>原件/复印件</th><th>份数</th><th>来源</th></tr></thead><tbody>
{% for m in d.materials %}<tr><td>{{ loop.index }}</td><td>{{ m.name }}</td><td>{{ "原件" if m.original else "复印件" }}</td><td>{{ m.copies or 1 }}</td><td>{{ "免交" if m.source == "shared" else "申请人提供" }}</td></tr>{% endfor %}
</tbody></table>
<h2 class="heading-m">办理流程</h2><ol class="guide-steps">{% for s in d.steps %}<li>{{ s.name or s.kind }} · {{ s.days }} 个工作日</li>{% endfor %}</ol>
<h2 class="heading-m">收费</h2><p>{% if d.fees %}{% for f in d.fees %}{{ f.name }} {% endfor %}{% else %}不收费{% endif %}</p>
<h2 class="heading-m">办理地点和时间</h2><dl class="summary-list"><dt>受理地点</dt><dd>{{ d.service.location }}</dd>
<dt>办理时间</dt><dd>{{ d.service.hours }}</dd><dt>咨询电话</dt><dd>{{ d.service.phone }}</dd><dt>投诉渠道</dt><dd>{{ d.service.complaint }}</dd></dl>
<h2 class="heading-m">设定和实施依据</h2><ul>{% for b in d.basis %}<li><strong>{{ b.title }}</strong><div>{{ b.text }}</div></li>{% endfor %}</ul>
</article>
<aside><a class="button" href="/services/{{ d.code }}/apply">网上申请</a><figure class="qr">{{ qr | safe }}<figcaption>扫码在手机上查看本指南</figcaption></figure></aside>
{% endblock %}"""

QUERY = """{% extends "base.html" %}{% block title %}办件查询{% endblock %}{% block content %}
<h1 class="heading">办件进度查询</h1>
{% if case %}<dl class="summary-list"><dt>案件编号</dt><dd>{{ case.number }}</dd><dt>办理状态</dt><dd>{{ case.state }}</dd>
<dt>承诺办结日期</dt><dd>{{ case.due_promised }}</dd><dt>法定办结日期</dt><dd>{{ case.due_statutory }}</dd></dl>
<ol class="timeline">{% for e in events %}<li>{{ e.act }} · {{ e.at }}</li>{% endfor %}</ol>
{% else %}<p>案件编号或查询码不正确</p>{% endif %}
<form method="get" action="/query"><label for="number">案件编号</label><input id="number" name="number" value="{{ number }}">
<label for="code">查询码</label><input id="code" name="code" value="{{ code }}"><button type="submit">查询</button></form>
{% endblock %}"""


@cache
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RAW.read_text(encoding="utf-8"))
    return data


def handwritten_app() -> Litestar:
    """The baseline: hand-written guide and query pages (see the module's notes)."""
    from litestar.config.csrf import CSRFConfig
    from litestar.middleware.session.client_side import CookieBackendConfig

    from bench._handwritten import _secret
    from renderer.qr import qr_svg
    from web.security import security_headers

    env = Environment(
        loader=DictLoader({"base.html": BASE, "guide.html": GUIDE, "query.html": QUERY}),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    engine = create_engine(os.environ["BANSHI_DATABASE_URL"])
    case_sql = text(
        'SELECT id, number, query_code, state, due_promised, due_statutory FROM "case" '
        "WHERE tenant = :t AND number = :n"
    )
    events_sql = text(
        "SELECT act, at FROM case_event WHERE tenant = :t AND case_id = :c ORDER BY seq"
    )

    qr = qr_svg(f"http://127.0.0.1/services/{FOOD}")  # drawn once, as ours caches it

    @get("/guide", sync_to_thread=False)
    def guide() -> Template:
        return Template("guide.html", context={"d": _raw(), "qr": qr})

    @get("/query", sync_to_thread=True)
    def query(number: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
        with engine.connect() as c:
            row = c.execute(case_sql, {"t": "422822", "n": number}).mappings().first()
            if row is None or row["query_code"] != code.upper():
                return Template(
                    "query.html", context={"case": None, "number": number, "code": code}
                )
            events = c.execute(events_sql, {"t": "422822", "c": row["id"]}).mappings().all()
        return Template(
            "query.html",
            context={"case": row, "events": events, "number": number, "code": code},
        )

    session = CookieBackendConfig(
        secret=_secret("session"), key="banshi_session", httponly=True, samesite="lax"
    )
    csrf = CSRFConfig(secret=_secret("csrf").hex(), cookie_httponly=False, cookie_samesite="strict")
    return Litestar(
        route_handlers=[guide, query],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        middleware=[session.middleware, DefineMiddleware(security_headers)],
        csrf_config=csrf,
        debug=False,
    )


def one_case(url: str) -> tuple[str, str]:
    """An accepted 食品经营许可 case filed at the county hall: its number and query code."""
    from bench._handwritten import SECRET
    from definitions.samples import sample_application
    from house.settings import load_settings
    from house.wiring import build_house
    from runtime.service import Actor, Applicant

    house = build_house(load_settings(database_url=url, demo_mode=True, secret_key=SECRET))
    try:
        pub = house.cases.latest_published(FOOD)
        assert pub is not None
        rng = random.Random(7)
        data: dict[str, Any] = {}
        for _ in range(20):
            data = sample_application(pub.definition, rng)
            if not pub.compiled.evaluate(data).errors:
                break
        needs = pub.compiled.evaluate(data).materials
        received = [
            {"key": n.material.key, "name": n.material.name}
            for n in needs
            if n.required and not n.exempt
        ]
        case = house.cases.submit(
            Actor("window_clerk@county.hall"),
            FOOD,
            data,
            accepting_domain="county.hall",
            applicant=Applicant("向明", "13907180001"),
            materials=received,
            accept=True,
        )
        return case.number, case.query_code
    finally:
        house.engine.dispose()


def run() -> Iterator[Figure]:
    from bench._handwritten import SECRET
    from bench.web import Target, _check, compare, figures, prepare, serve, sqlite_url

    seconds = float(os.environ.get("BANSHI_BENCH_PUBLIC_SECONDS", "6"))
    with sqlite_url() as url:
        prepare(url)
        number, code = one_case(url)
        env = {
            "BANSHI_DATABASE_URL": url,
            "BANSHI_DEMO_MODE": "1",
            "BANSHI_SECRET_KEY": SECRET,
            "BANSHI_QUERY_PER_MINUTE": "10000",
            "BANSHI_QUERY_PER_CASE_PER_MINUTE": "1000000",
        }
        if REDIS:  # the shared store as a multi-process deployment runs it
            env["BANSHI_REDIS_URL"] = REDIS
        with (
            serve("bench.public:handwritten_app", {"BANSHI_DATABASE_URL": url}) as hw,
            serve("web.app:create_app", env) as app,
        ):
            pairs = [
                (
                    "public guide page",
                    Target(f"{app}/services/{FOOD}", ""),
                    Target(f"{hw}/guide", ""),
                    "GET of the food licence's guide generated from its published definition "
                    "vs a hand-written Jinja page fed the same raw JSON",
                ),
                (
                    "public query page",
                    Target(f"{app}/query?number={number}&code={code}", ""),
                    Target(f"{hw}/query?number={number}&code={code}", ""),
                    "GET of an accepted case by number and code (limits counted, deadlines "
                    "explained, timeline) vs a hand-written page over two SQL statements",
                ),
            ]
            for name, ours_t, base_t, what in pairs:
                ours_bytes, base_bytes = _check(ours_t, 200), _check(base_t, 200)
                ours, base = compare(ours_t, base_t, seconds)
                yield from figures(name, ours, base, what, f"{ours_bytes} vs {base_bytes} bytes")

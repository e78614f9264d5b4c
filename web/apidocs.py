"""The API's documentation page at /schema, under the app's own CSP.

Swagger UI comes from the npm package ``swagger-ui-dist`` (``npm install``; ``make install``
copies it into web/vendor/swagger-ui, shipped as package data), served by the app under
/static/swagger-ui; the page is plain markup with no inline script or
style: ``/static/apidocs.js`` starts the UI from the address in ``data-url``. Without the
package (npm not installed) the page says so and links the JSON."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin

from definitions.shipped import package_path

SWAGGER_URL = "/static/swagger-ui"


def swagger_dir() -> Path:
    return package_path("web", "vendor", "swagger-ui")


def swagger_available() -> bool:
    return (swagger_dir() / "swagger-ui-bundle.js").is_file()


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI from our own origin, started by an external script."""

    def __init__(self, path: str = "/") -> None:
        super().__init__(path=[path, "/swagger"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        url = escape(self.get_openapi_json_route(request))
        if not swagger_available():
            body = (
                f"<main><h1>{title}</h1><p>接口文档界面未安装（npm install）。"
                f'<a href="{url}">OpenAPI JSON</a></p></main>'
            )
            head = ""
        else:
            head = f'<link rel="stylesheet" href="{SWAGGER_URL}/swagger-ui.css">'
            body = (
                f'<div id="swagger-ui" data-url="{url}"></div>'
                f'<script src="{SWAGGER_URL}/swagger-ui-bundle.js"></script>'
                '<script src="/static/apidocs.js"></script>'
            )
        return (
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{title}</title><link rel="icon" href="data:,">{head}</head>'
            f"<body>{body}</body></html>"
        ).encode()


def render_plugins() -> list[OpenAPIRenderPlugin]:
    return [SwaggerPage(), JsonRenderPlugin()]

"""QR codes (segno) for notices: the public query page of a case."""

from __future__ import annotations

import segno


def qr_svg(url: str) -> str:
    """Inline SVG markup of a QR code for ``url`` (our own markup: safe to embed)."""
    return str(
        segno.make(url, error="m").svg_inline(scale=3, dark="#0b0c0c", title="扫码查询办理进度")
    )

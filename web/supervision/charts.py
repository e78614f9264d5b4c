"""Server-rendered SVG bar charts (no script, no CDN): geometry here, markup in
``supervision/_chart.html``. Every chart is drawn from the same figures as the table
beside it, which is its text alternative."""

from __future__ import annotations

from dataclasses import dataclass, field

PALETTE = ("#1d70b8", "#00703c", "#b58840", "#b10e1e")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str  # the value, as a tooltip and for screen readers


@dataclass
class Chart:
    title: str
    series: list[tuple[str, str]]  # (name, colour)
    groups: list[str]
    bars: list[Bar] = field(default_factory=list)
    width: int = 640
    height: int = 260
    top: float = 0.0
    ticks: list[tuple[float, str]] = field(default_factory=list)
    label_y: float = 0.0
    group_x: list[float] = field(default_factory=list)


def bar_chart(
    title: str,
    groups: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    percent: bool = False,
) -> Chart:
    """Grouped vertical bars: one group per department or township, one bar per series."""
    left, right, top, bottom = 48.0, 12.0, 16.0, 64.0
    width = max(640, int(left + right + len(groups) * (len(series) * 14 + 16)))
    height = 260
    values = [v for _, vs in series for v in vs if v is not None]
    peak = max(values) if values else 0.0
    peak = 1.0 if percent else (peak if peak > 0 else 1.0)
    chart = Chart(
        title, [(name, PALETTE[i % len(PALETTE)]) for i, (name, _) in enumerate(series)], groups
    )
    chart.width, chart.height = width, height
    plot_h = height - top - bottom
    chart.top = top
    chart.label_y = height - bottom + 14
    for i in range(5):
        share = i / 4
        y = top + plot_h * (1 - share)
        text = f"{share:.0%}" if percent else _tick(peak * share)
        chart.ticks.append((round(y, 1), text))
    slot = (width - left - right) / max(len(groups), 1)
    bar_w = min(24.0, (slot - 8) / max(len(series), 1))
    for g in range(len(groups)):
        x0 = left + g * slot + (slot - bar_w * len(series)) / 2
        chart.group_x.append(round(left + g * slot + slot / 2, 1))
        for s, (name, vs) in enumerate(series):
            v = vs[g]
            h = 0.0 if v is None else plot_h * (v / peak)
            shown = "无数据" if v is None else (f"{v:.1%}" if percent else _tick(v))
            chart.bars.append(
                Bar(
                    round(x0 + s * bar_w, 1),
                    round(top + plot_h - h, 1),
                    round(bar_w - 2, 1),
                    round(h, 1),
                    PALETTE[s % len(PALETTE)],
                    f"{groups[g]} {name}：{shown}",
                )
            )
    return chart


def _tick(v: float) -> str:
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.1f}"

"""The columns of a figures table, shared by the page, the Excel workbook and the CSV
file, so all three hold the same numbers (the page formats them; the exports keep them
as numbers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runtime.supervision.figures import Figure


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable[[Figure], float | int | None]
    kind: str = "int"  # int | pct | num

    def show(self, fig: Figure) -> str:
        v = self.value(fig)
        if v is None:
            return "—"
        if self.kind == "pct":
            return f"{v:.1%}"
        if self.kind == "num":
            return f"{v:.1f}"
        return str(v)

    def number(self, fig: Figure) -> float | int | None:
        """The value as exported: a number (a share as a fraction), rounded as shown."""
        v = self.value(fig)
        if v is None:
            return None
        if self.kind == "pct":
            return round(float(v), 3)
        if self.kind == "num":
            return round(float(v), 1)
        return int(v)


COLUMNS: tuple[Column, ...] = (
    Column("accepted", "受理", lambda f: f.counts["accepted"]),
    Column("completed", "办结", lambda f: f.counts["completed"]),
    Column("on_time", "按时办结", lambda f: f.counts["on_time"]),
    Column("on_time_rate", "按时办结率", lambda f: f.on_time_rate, "pct"),
    Column("early", "提前办结", lambda f: f.counts["early"]),
    Column("early_rate", "提前办结率", lambda f: f.early_rate, "pct"),
    Column("avg_used", "平均用时（工作日）", lambda f: f.avg_used, "num"),
    Column("avg_promised", "平均承诺时限", lambda f: f.avg_promised, "num"),
    Column("avg_statutory", "平均法定时限", lambda f: f.avg_statutory, "num"),
    Column("compression", "承诺压缩率", lambda f: f.compression, "pct"),
    Column("speedup", "实际提速", lambda f: f.speedup, "pct"),
    Column("not_accepted", "不予受理", lambda f: f.counts["not_accepted"]),
    Column("denied", "不予许可", lambda f: f.counts["denied"]),
    Column("corrections", "一次性告知补正", lambda f: f.counts["corrections"]),
    Column("withdrawn", "撤件", lambda f: f.counts["withdrawn"]),
    Column("returned", "退回", lambda f: f.counts["returned"]),
    Column("evaluations", "评价数", lambda f: f.evaluations),
    Column("satisfaction", "满意率", lambda f: f.satisfaction, "pct"),
    Column("complaints", "投诉", lambda f: f.complaints),
    Column("complaint_days", "投诉平均办理天数", lambda f: f.avg_complaint_days, "num"),
    Column("yellow_cards", "黄牌", lambda f: f.yellow_cards),
    Column("red_cards", "红牌", lambda f: f.red_cards),
)

"""The catalogue report (四减一放): items, steps, days, fees and devolution per department,
and the change against an earlier catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from definitions.models import ItemDefinition


@dataclass
class Row:
    """Figures of one department (or the total)."""

    items: int = 0
    steps: int = 0
    statutory_days: int = 0
    promised_days: int = 0
    fee_lines: int = 0
    fixed_fees: Decimal = field(default_factory=lambda: Decimal("0"))
    devolved: int = 0

    @property
    def compression(self) -> float | None:
        """1 − promised ÷ statutory over the department's items."""
        if not self.statutory_days:
            return None
        return 1 - self.promised_days / self.statutory_days

    def add(self, d: ItemDefinition) -> None:
        self.items += 1
        self.steps += len(d.steps)
        self.statutory_days += d.limits.statutory_days
        self.promised_days += d.limits.promised_days
        self.fee_lines += len(d.fees)
        self.fixed_fees += sum((f.amount for f in d.fees if f.amount is not None), Decimal("0"))
        if any(p.startswith("township.") for p in d.levels.accept):
            self.devolved += 1


COLUMNS: tuple[tuple[str, str], ...] = (
    ("items", "事项数"),
    ("steps", "环节数"),
    ("statutory_days", "法定时限合计"),
    ("promised_days", "承诺时限合计"),
    ("compression", "压缩比例"),
    ("fee_lines", "收费项"),
    ("fixed_fees", "固定收费合计（元）"),
    ("devolved", "下放乡镇事项"),
)


def summarise(definitions: Iterable[ItemDefinition]) -> dict[str, Row]:
    """Rows per owning department, plus "合计" (the total)."""
    rows: dict[str, Row] = {}
    total = Row()
    for d in definitions:
        rows.setdefault(d.owner, Row()).add(d)
        total.add(d)
    out = dict(sorted(rows.items()))
    out["合计"] = total
    return out


def cell(row: Row | None, column: str) -> str:
    if row is None:
        return "—"
    value = getattr(row, column)
    if column == "compression":
        return "—" if value is None else f"{value:.1%}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def change(new: Row | None, old: Row | None, column: str) -> str:
    """The change of one figure: '12 (−3)'; percentage points for compression."""
    now = cell(new, column)
    if old is None or new is None:
        return now if old is None else f"— (was {cell(old, column)})"
    a, b = getattr(new, column), getattr(old, column)
    if column == "compression":
        if a is None or b is None:
            return now
        return f"{now} ({(a - b) * 100:+.1f} pt)"
    delta = a - b
    if isinstance(delta, Decimal):
        return f"{now} ({delta:+.2f})"
    return f"{now} ({delta:+d})"

"""Adding and removing group rows, the desk's way: renderer.rows where it exists (the
nested-groups work moves it there), the desk's own helper before that."""

from __future__ import annotations

try:
    from renderer.rows import change_rows
except ImportError:  # pragma: no cover - before renderer/rows.py lands
    from web.desk import _change_rows as change_rows  # type: ignore[attr-defined,no-redef,unused-ignore]

__all__ = ["change_rows"]

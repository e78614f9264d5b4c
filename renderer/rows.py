"""Adding and removing rows of repeating groups without JavaScript: the form's buttons post
``_action=add:<group>`` or ``_action=remove:<group>:<row>``, where ``<group>`` is the
group's path without the leading slash (``staff``; ``companies/0/staff`` for the staff of
the first company). The data and the row counts come back changed; the form is shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from definitions.compile import CompiledItem
from renderer.parse import MAX_ROWS, groups, row_limits, shape


def _rows_at(data: Mapping[str, Any], path: str) -> list[Any] | None:
    """The rows at ``path`` (companies/0/staff) in ``data``, or None when absent."""
    node: Any = data
    for part in path.split("/"):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node if isinstance(node, list) else None


def change_rows(
    item: CompiledItem,
    data: dict[str, Any],
    rows: dict[str, int],
    action: str,
    max_rows: int = MAX_ROWS,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Apply an add/remove action; an action naming no group of the item changes nothing."""
    verb, _, rest = action.partition(":")
    key, _, index = rest.partition(":")
    path = "/" + key
    field = dict(groups(item)).get(shape(path))
    if field is None or not key:
        return data, rows
    existing = _rows_at(data, key)
    current = max(rows.get(key, 0), len(existing or []), 1)
    if verb == "add":
        rows[key] = min(current + 1, row_limits(item, max_rows)[shape(path)])
    elif verb == "remove" and index.isdigit():
        if existing is not None and int(index) < len(existing):
            del existing[int(index)]  # the list inside ``data``: removed in place
        low = field.repeat.min if field.repeat else 1
        rows[key] = max(current - 1, low, 1)
        # the rows of groups inside later rows move up by one: their counts follow
        prefix = f"{key}/"
        moved = {
            k: v for k, v in rows.items() if k.startswith(prefix) and k[len(prefix) :][:1].isdigit()
        }
        for k in moved:
            del rows[k]
        for k, v in moved.items():
            row, _, tail = k[len(prefix) :].partition("/")
            if int(row) == int(index):
                continue
            new_row = int(row) - 1 if int(row) > int(index) else int(row)
            rows[f"{prefix}{new_row}/{tail}"] = v
    if existing is not None and not existing and "/" not in key:
        data.pop(key, None)
    return data, rows

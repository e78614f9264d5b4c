"""Electronic supervision's tables (cards, figure rollups)."""

from __future__ import annotations

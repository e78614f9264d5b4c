"""Administration's tables (item drafts and reviews, the admin log)."""

from __future__ import annotations

"""Case engine tables (declared on db.base.Base)."""

from __future__ import annotations

from db.base import Base as Base

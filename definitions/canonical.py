"""Canonical JSON and content hashes of definitions.

Canonical JSON is UTF-8, keys sorted, no insignificant whitespace, non-ASCII kept as is.
Two documents that mean the same thing (same keys and values, any key order) have the
same canonical bytes and therefore the same sha256.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON value."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")


def sha256_of(value: Any) -> str:
    """Hex sha256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()

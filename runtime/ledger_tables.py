"""Tables of the tenant-wide audit log and its signed checkpoints. Filled in by the audit
anchoring work."""

from __future__ import annotations

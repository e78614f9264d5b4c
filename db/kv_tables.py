"""The shared key-value table behind the app's stores (sessions, rate limits, idempotency
keys) when no Redis is configured. Filled in by the sessions work."""

from __future__ import annotations

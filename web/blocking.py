"""Where the synchronous work of a request runs: on the event loop or in a worker thread.

The runtime is plain synchronous Python. The acts, and the pages that are mostly CPU work
(the generated form), run on the loop when the house says it is cheaper there (SQLite,
see ``House.writes_inline``) and in anyio's worker threads otherwise (PostgreSQL, whose
statements wait on the network and overlap in threads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Request

from web.deps import house_of

T = TypeVar("T")


async def run_blocking(request: Request[Any, Any, Any], work: Callable[[], T]) -> T:
    """Run ``work`` (parsing, validation, the acts of one request) where it is cheapest."""
    if house_of(request).writes_inline:
        return work()
    return await anyio.to_thread.run_sync(work)

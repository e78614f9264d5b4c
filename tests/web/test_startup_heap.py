"""What keeps the form page's tail short (issue #15, bench/formpage.py): the heap loaded at
start-up is frozen out of the cyclic collector."""

from __future__ import annotations

import gc
from typing import Any

import pytest

import web.app
from house.settings import Settings


def _settings(**kw: Any) -> Settings:
    return Settings(
        database_url="sqlite://", demo_mode=True, secret_key="s" * 40, policy_push=False, **kw
    )


def test_start_up_freezes_the_heap_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[str] = []
    monkeypatch.setattr(web.app, "_heap_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("freeze"))
    web.app.freeze_startup_heap()
    web.app.freeze_startup_heap()  # a second app in the same process
    assert frozen == ["freeze"]


def test_the_freeze_is_a_start_up_hook_unless_switched_off() -> None:
    on = web.app.create_app(_settings())
    off = web.app.create_app(_settings(gc_freeze=False))
    assert web.app.freeze_startup_heap in on.on_startup
    assert web.app.freeze_startup_heap not in off.on_startup

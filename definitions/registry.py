"""One mechanism for every plugin kind: a registry of plugin objects by name.

Field types (:mod:`definitions.fieldtypes`), step kinds (:mod:`definitions.stepkinds`) and
special-procedure kinds (:mod:`definitions.procedures`) are each a :class:`Registry` of
plugin objects. The built-ins register through :meth:`Registry.register`, the same hook a
county's own plugin uses (directly, or through an entry point group the default registry
loads). Nothing outside a plugin names one: callers ask the plugin what they need.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str: ...


P = TypeVar("P", bound=Named)

NAME = re.compile(r"[a-z][a-z0-9_]*")


class Registry(Generic[P]):
    """The plugins of one kind known to one registry (one process, or one test)."""

    #: What one plugin is called in messages to the administrator (Chinese), e.g. 字段类型,
    #: and to the programmer registering one (English).
    what: str = "插件"
    kind: str = "plugin"

    def __init__(self) -> None:
        self._plugins: dict[str, P] = {}

    def register(self, plugin: P) -> P:
        if not NAME.fullmatch(plugin.name):
            raise ValueError(f"{self.kind} name {plugin.name!r} is not a lower-case identifier")
        if plugin.name in self._plugins:
            raise ValueError(f"{self.kind} {plugin.name!r} is already registered")
        self.accept(plugin)
        self._plugins[plugin.name] = plugin
        return plugin

    def accept(self, plugin: P) -> None:
        """Refuse a plugin that does not fit this registry (raise ValueError)."""

    def get(self, name: str) -> P | None:
        return self._plugins.get(name)

    def __getitem__(self, name: str) -> P:
        return self._plugins[name]

    def __contains__(self, name: object) -> bool:
        return name in self._plugins

    def __iter__(self) -> Iterator[P]:
        return iter(self.all())

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def all(self) -> list[P]:
        return [self._plugins[n] for n in self.names()]

    def unknown(self, name: str) -> str:
        """The message for a name this registry does not know, listing what it knows."""
        return f"未知的{self.what} {name!r}（可用：{'、'.join(self.names())}）"

    def load_entry_points(self, group: str) -> None:
        """Register the plugins other packages expose under the entry point ``group``."""
        for ep in entry_points(group=group):
            plugin: Any = ep.load()
            self.register(plugin() if isinstance(plugin, type) else plugin)

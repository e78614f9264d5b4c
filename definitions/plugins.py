"""The plugins one compiler works with: field types, step kinds, special-procedure kinds.

A definition is validated against the plugins of the compiler that will compile it: the
models read them from pydantic's validation context (:meth:`Plugins.context`), and
:meth:`definitions.compile.Compiler.validate` is the one door that passes them. Without a
context (a definition read by a tool that names no compiler) the process-wide defaults
validate; a name only a county's own registry knows is then refused with its pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from definitions.fieldtypes import FieldTypeRegistry, default_registry
from definitions.procedures import ProcedureRegistry, default_procedures
from definitions.stepkinds import StepKindRegistry, default_step_kinds

CONTEXT_KEY = "banshi_plugins"


@dataclass(frozen=True)
class Plugins:
    field_types: FieldTypeRegistry = field(default_factory=default_registry)
    step_kinds: StepKindRegistry = field(default_factory=default_step_kinds)
    procedures: ProcedureRegistry = field(default_factory=default_procedures)

    def context(self) -> dict[str, Any]:
        """The pydantic validation context that makes these plugins the validating ones."""
        return {CONTEXT_KEY: self}


def plugins_of(context: Any) -> Plugins:
    """The plugins of a validation context, else the defaults."""
    if isinstance(context, Mapping):
        found = context.get(CONTEXT_KEY)
        if isinstance(found, Plugins):
            return found
    return default_plugins()


def default_plugins() -> Plugins:
    """The process-wide registries (each built once, on first use)."""
    return Plugins()

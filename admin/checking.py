"""Checking a draft as it is edited: the definition check, the reform rules, compilation.

A draft may be anything an administrator typed, so every step is guarded: JSON that does
not parse, a model that refuses it, a rule that fails — each is a finding at a JSON
pointer, never an exception. The live check of one edit is this function (bench/admin.py
measures it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from definitions.check import check_definition
from definitions.compile import CompiledItem
from definitions.loading import pydantic_problems
from definitions.models import ItemDefinition
from definitions.problems import Problem, Severity
from runtime.publishing import Catalog


@dataclass
class Findings:
    problems: list[Problem] = field(default_factory=list)
    definition: ItemDefinition | None = None
    compiled: CompiledItem | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is not Severity.ERROR]

    def at(self, prefix: str) -> list[Problem]:
        """The findings about the part at ``prefix`` (a JSON pointer) and below it."""
        return [
            p for p in self.problems if p.pointer == prefix or p.pointer.startswith(prefix + "/")
        ]


def check_document(doc: Any, catalog: Catalog, file: str = "草稿") -> Findings:
    """Validate, check and compile ``doc`` (a draft's JSON value)."""
    try:
        definition = ItemDefinition.model_validate(doc)
    except ValidationError as exc:
        return Findings(list(pydantic_problems(exc, file)))
    except (TypeError, ValueError, RecursionError) as exc:
        return Findings([Problem(file, "", f"定义无法读取：{type(exc).__name__}", "read")])
    problems = check_definition(definition, file, catalog.check)
    compiled = None
    if not any(p.severity is Severity.ERROR for p in problems):
        try:
            compiled = CompiledItem(definition, catalog.compiler.registry)
        except Exception as exc:  # a validator refusing what the checker let through
            problems.append(Problem(file, "", f"定义无法编译：{type(exc).__name__}", "compile"))
    return Findings(problems, definition, compiled)

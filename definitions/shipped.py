"""Where the shipped files of the language are: the catalogue of items and the generated
JSON Schema, found through ``importlib.resources`` (so an installed wheel finds them as a
checkout does)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(package: str, *parts: str) -> Path:
    """A file or folder shipped inside ``package``, as a path on disk. Banshi is installed
    unpacked (a wheel or a checkout); a zipped import has no such path and is refused."""
    node = files(package).joinpath(*parts)
    if not isinstance(node, Path):
        raise RuntimeError(f"{package}/{'/'.join(parts)} is not on disk ({node!r})")
    return node


def catalog_dir() -> Path:
    """The shipped catalogue: one ``<code>.json`` per item."""
    return package_path("definitions", "catalog")


def schema_path() -> Path:
    """The generated JSON Schema of the definition format."""
    return package_path("definitions", "schema", "item.schema.json")

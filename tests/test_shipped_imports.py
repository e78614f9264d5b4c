"""Every shipped module imports without the development dependencies.

hypothesis, pytest and the other ``dev``/``bench`` extras are not installed in production,
and tests/ and bench/ are not shipped: a subprocess blocks all of them with a meta path
hook, then imports every module of every package the wheel ships (the list is read from
pyproject.toml, so a new package is covered as soon as it is shipped).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import importlib, json, pkgutil, sys

blocked, packages = json.loads(sys.argv[1]), json.loads(sys.argv[2])


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
for name in blocked:
    sys.modules.pop(name, None)
imported, failed = [], []
try:
    import hypothesis  # noqa: F401
except ModuleNotFoundError:
    pass
else:
    failed.append("hypothesis: still importable")
for top in packages:
    for info in pkgutil.walk_packages(importlib.import_module(top).__path__, top + "."):
        if ".migrations" in info.name:  # Alembic's scripts run inside Alembic only
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as exc:
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
print(json.dumps({"imported": imported, "failed": failed}))
"""


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def shipped_packages() -> list[str]:
    find = _pyproject()["tool"]["setuptools"]["packages"]["find"]  # type: ignore[index]
    return sorted(p.rstrip("*.") for p in find["include"])


def dev_only_modules() -> list[str]:
    extras = _pyproject()["project"]["optional-dependencies"]  # type: ignore[index]
    names = {"tests", "bench", "xdist"}  # pytest-xdist imports as xdist
    for extra in ("dev", "bench"):
        for requirement in extras[extra]:
            names.add(re.split(r"[<>=!~\[ ;]", requirement)[0].lower().replace("-", "_"))
    return sorted(names)


def test_every_shipped_module_imports_without_hypothesis_or_other_dev_dependencies() -> None:
    blocked = dev_only_modules()
    assert "hypothesis" in blocked
    packages = shipped_packages()
    assert "definitions" in packages
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(blocked), json.dumps(packages)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["failed"] == []
    assert {"definitions.check", "definitions.docs", "definitions.samples"} <= set(
        answer["imported"]
    )


def test_the_strategies_live_under_tests_and_nothing_shipped_imports_them() -> None:
    assert not (ROOT / "definitions" / "strategies.py").exists()
    for top in shipped_packages():
        for path in (ROOT / top).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import hypothesis" not in text and "from hypothesis" not in text, path
            assert "tests.strategies" not in text, path

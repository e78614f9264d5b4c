"""Banshi installed as a wheel, away from the checkout: the wheel is built from a copy of the
sources, installed into a fresh virtual environment in a temporary folder, and run from
another temporary folder. The migrations, the catalogue, the demo organisation, the
templates, the static files and the front-end packages must all come from the installed
packages (``importlib.resources``), and ``var/`` must be made in the current directory.

To stay fast the new environment borrows the already installed dependencies: a ``.pth`` file
points at this interpreter's site-packages, and the wheel is installed with ``--no-deps``.
The borrowed folder's own ``.pth`` files (the checkout's editable install) are not run, and
the wheel's site-packages comes first on the path; the test checks where each package was
imported from."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
#: what the wheel is built from; tests, benchmarks and local state are left behind
SOURCES = ("pyproject.toml", "README.md", "banshi", "house", "definitions", "db", "rbac")
SOURCES += ("runtime", "renderer", "admin", "web")
#: offline, and nothing but the wheel itself
PIP = (sys.executable, "-m", "pip")
OFFLINE = ("--quiet", "--no-deps", "--no-index")
PACKAGES = ("banshi", "house", "definitions", "db", "rbac", "runtime", "renderer", "web")


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _build_wheel(tmp: Path, env: dict[str, str]) -> Path:
    src = tmp / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = CHECKOUT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        elif path.is_file():
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    _run(
        [*PIP, "wheel", *OFFLINE, "--no-build-isolation", "-w", str(dist), str(src)],
        cwd=tmp,
        env=env,
        timeout=300,
    )
    (wheel,) = dist.glob("banshi-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path, env: dict[str, str]) -> Path:
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp,
            env=env,
        ).strip()
    )
    (site / "borrowed-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    _run(
        [*PIP, "--python", str(python), "install", *OFFLINE, str(wheel)],
        cwd=tmp,
        env=env,
        timeout=300,
    )
    return venv


def test_the_wheel_installs_migrates_loads_the_demo_and_serves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BANSHI_", "PYTHON"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheel = _build_wheel(tmp_path, env)
    venv = _fresh_venv(tmp_path, wheel, env)
    bin_dir = venv / "bin"
    work = tmp_path / "work"  # the current directory: neither the checkout nor the venv
    work.mkdir()
    env["BANSHI_DEMO_MODE"] = "1"

    names = ", ".join(PACKAGES)
    where = _run(
        [str(bin_dir / "python"), "-c", f"import {names}\nfor m in ({names}): print(m.__file__)"],
        cwd=work,
        env=env,
    ).split()
    assert len(where) == len(PACKAGES)
    for line in where:
        assert Path(line).is_relative_to(venv), f"imported from outside the wheel: {line}"

    out = _run([str(bin_dir / "banshi"), "db", "upgrade"], cwd=work, env=env)
    assert "database at head" in out
    assert (work / "var" / "banshi.sqlite3").is_file()  # var/ in the current directory
    out = _run([str(bin_dir / "banshi"), "demo", "load", "--cases", "2"], cwd=work, env=env)
    assert "organisation" in out

    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "banshi"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _ = _get(f"{base}/health")
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        assert status == 200
        status, body = _get(f"{base}/login")
        assert status == 200 and "登录".encode() in body
        status, body = _get(f"{base}/static/banshi.css")
        assert status == 200 and body == (CHECKOUT / "web" / "static" / "banshi.css").read_bytes()
        vendored = CHECKOUT / "web" / "vendor" / "htmx" / "htmx.min.js"
        if vendored.is_file():  # make install copied it from node_modules: it must ship
            status, body = _get(f"{base}/static/vendor/htmx.min.js")
            assert status == 200 and body == vendored.read_bytes()
        else:
            pytest.skip("web/vendor is empty (no npm): the front-end packages were not shipped")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert (work / "var" / "secret-key").is_file()  # the demo secret made under var/

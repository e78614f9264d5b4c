"""The command line: `banshi definitions check|schema`, `banshi catalog report [--against]`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from banshi.cli import build
from definitions.schema_gen import SCHEMA_PATH
from tests.definitions.conftest import CATALOG, catalog_files, example_raw

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(build(), list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def write(path: Path, raw: dict[str, Any]) -> Path:
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_check_passes_a_good_folder(tmp_path: Path) -> None:
    write(tmp_path / "a.json", example_raw())
    result = run("definitions", "check", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "checked 1 definitions (1 readable): 0 errors" in result.output


def test_check_reports_every_problem_as_file_pointer_message_rule(tmp_path: Path) -> None:
    raw = example_raw()
    raw["limits"]["promised_days"] = 12
    raw["steps"][3]["role"] = "department_head"
    raw["colour"] = "red"
    bad = write(tmp_path / "bad.json", raw)
    raw2 = example_raw()
    raw2["limits"]["promised_days"] = 12
    raw2["steps"][3]["role"] = "department_head"
    worse = write(tmp_path / "worse.json", raw2)
    result = run("definitions", "check", str(bad), str(worse))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{bad}:/colour: 未知的键 [schema]" in lines
    assert any(
        line.startswith(f"{worse}:/limits/promised_days: ") and line.endswith("[compression]")
        for line in lines
    )
    assert any(
        line.startswith(f"{worse}:/steps/3/role: ") and line.endswith("[chief-decides]")
        for line in lines
    )


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"\xff\xfe\x00garbage\x80", "io"),
        (b"", "json-syntax"),
        (b"[1, 2, 3]", "schema"),
        (b'{"code": ', "json-syntax"),
        (b"null", "schema"),
    ],
    ids=["garbage-bytes", "empty", "array", "truncated", "null"],
)
def test_check_never_tracebacks_on_junk(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(content)
    result = run("definitions", "check", str(path))
    assert result.exit_code == 1
    assert any(
        line.startswith(f"{path}:/") and line.endswith(f"[{rule}]")
        for line in result.output.splitlines()
    ), result.output


def test_check_of_a_missing_path_and_an_empty_folder(tmp_path: Path) -> None:
    result = run("definitions", "check", str(tmp_path / "nope.json"))
    assert result.exit_code == 1 and "文件或目录不存在" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("definitions", "check", str(empty)).exit_code == 1


def test_check_passes_the_shipped_catalogue() -> None:
    if not catalog_files():
        pytest.fail(f"catalogue is empty: no *.json in {CATALOG}")
    result = run("definitions", "check", str(CATALOG))
    assert result.exit_code == 0, result.output
    assert f"checked {len(catalog_files())} definitions" in result.output


def test_schema_output_equals_the_committed_file() -> None:
    result = run("definitions", "schema")
    assert result.exit_code == 0
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert result.output == committed, (
        "definitions/schema/item.schema.json is out of date: run make schema"
    )


def test_committed_schema_accepts_the_example_and_refuses_unknown_keys() -> None:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(example_raw())) == []
    raw = example_raw()
    raw["colour"] = "red"
    assert not validator.is_valid(raw)


def _catalogue(folder: Path, items: list[dict[str, Any]]) -> Path:
    folder.mkdir()
    for i, raw in enumerate(items):
        write(folder / f"item{i}.json", raw)
    return folder


def test_catalog_report_prints_the_table(tmp_path: Path) -> None:
    second = example_raw()
    second["code"] = "422822-SCJG-XK-0002"
    second["levels"]["accept"] = ["county.hall"]
    now = _catalogue(tmp_path / "now", [example_raw(), second])
    result = run("catalog", "report", "--catalog", str(now))
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("事项数", "环节数", "法定时限合计", "承诺时限合计", "压缩比例", "下放乡镇事项"):
        assert heading in out
    row = next(line for line in out.splitlines() if "county.scjg" in line)
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    # items, steps, statutory, promised, compression, fee lines, fixed fees, devolved
    assert cells[1:] == ["2", "10", "40", "14", "65.0%", "0", "0.00", "1"]


def test_catalog_report_against_an_older_catalogue_shows_the_changes(tmp_path: Path) -> None:
    old_item = example_raw()
    old_item["limits"]["promised_days"] = 15
    old_item["steps"].insert(2, copy.deepcopy(old_item["steps"][2]))
    old_item["steps"][2]["key"] = "second_review"
    old_item["fees"] = [{"key": "f", "name": "工本费", "amount": "20", "basis": "《收费标准》"}]
    old_other = example_raw()
    old_other["code"] = "422822-ZJJ-XK-0009"
    old_other["owner"] = "county.zjj"
    old = _catalogue(tmp_path / "old", [old_item, old_other])
    now = _catalogue(tmp_path / "now", [example_raw()])
    result = run("catalog", "report", "--catalog", str(now), "--against", str(old))
    assert result.exit_code == 0, result.output
    out = result.output
    scjg = next(line for line in out.splitlines() if "county.scjg" in line)
    assert "5 (-1)" in scjg  # one step fewer
    assert "7 (-8)" in scjg  # promised days 15 -> 7
    assert "0 (-1)" in scjg and "0.00 (-20.00)" in scjg  # the fee is gone
    assert "+40.0 pt" in scjg  # compression 25% -> 65%
    zjj = next(line for line in out.splitlines() if "county.zjj" in line)
    assert "was 1" in zjj  # the department's item was cancelled
    total = next(line for line in out.splitlines() if line.lstrip("│┃ ").startswith("合计"))
    assert "1 (-1)" in total

"""Uploads are checked by content and stored once by hash, on both databases."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import transaction
from runtime.case_tables import StoredFile
from runtime.errors import InvalidInput
from runtime.files import path_for, read_file, store_upload

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_same_content_is_stored_once(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with transaction(sessions) as s:
        a = store_upload(s, "422822", tmp_path, PDF, "营业执照.pdf", max_bytes=1024)
        b = store_upload(s, "422822", tmp_path, PDF, "copy.pdf", max_bytes=1024)
    assert a.sha256 == b.sha256 == hashlib.sha256(PDF).hexdigest()
    assert a.content_type == "application/pdf" and a.name == "营业执照.pdf"
    assert read_file(tmp_path, a.sha256) == PDF
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(StoredFile)).scalar_one() == 1


def test_type_is_judged_by_content_not_name(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(sessions) as s, pytest.raises(InvalidInput, match="文件类型不被接受"):
        store_upload(
            s,
            "422822",
            tmp_path,
            b"MZ\x90\x00 not a pdf",
            "scan.pdf",
            max_bytes=1024,
            label="平面图",
        )
    with transaction(sessions) as s, pytest.raises(InvalidInput, match="文件类型"):
        store_upload(
            s, "422822", tmp_path, PNG, "photo.png", max_bytes=1024, accept=["application/pdf"]
        )


def test_size_limit_and_empty_files(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with transaction(sessions) as s, pytest.raises(InvalidInput, match="太大"):
        store_upload(s, "422822", tmp_path, PDF + b"x" * 2048, "big.pdf", max_bytes=1024)
    with transaction(sessions) as s, pytest.raises(InvalidInput, match="空文件"):
        store_upload(s, "422822", tmp_path, b"", "empty.pdf", max_bytes=1024)
    assert (
        not any(tmp_path.rglob("*"))
        or not path_for(tmp_path, hashlib.sha256(b"").hexdigest()).exists()
    )


def test_path_traversal_in_names_and_ids_is_harmless(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(sessions) as s:
        ref = store_upload(s, "422822", tmp_path, PDF, "../../etc/passwd", max_bytes=1024)
    assert ref.name == "passwd"
    with pytest.raises(InvalidInput):
        read_file(tmp_path, "../" * 10)

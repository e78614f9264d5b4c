"""Uploaded scans: checked for size and type (by their first bytes, not the name or the
browser's claim) and stored once under the sha256 of their content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.case_tables import StoredFile
from runtime.errors import InvalidInput

#: Content types we accept, recognised by their magic bytes.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
DEFAULT_ACCEPT = tuple(SIGNATURES)
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG 图片", "image/png": "PNG 图片"}


@dataclass(frozen=True)
class FileRef:
    """What a case keeps of an upload (the value of a file field / a received material)."""

    sha256: str
    name: str
    size: int
    content_type: str

    def as_dict(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
        }


def sniff(content: bytes) -> str | None:
    for content_type, magics in SIGNATURES.items():
        if any(content.startswith(m) for m in magics):
            return content_type
    return None


def path_for(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store_upload(
    session: Session,
    tenant: str,
    root: Path,
    content: bytes,
    filename: str,
    *,
    max_bytes: int,
    accept: tuple[str, ...] | list[str] = DEFAULT_ACCEPT,
    label: str = "文件",
) -> FileRef:
    """Check and store one upload; the same content is stored once (by its hash)."""
    name = Path(filename or "upload").name[:255] or "upload"
    if not content:
        raise InvalidInput(f"“{label}”是空文件，请重新选择")
    if len(content) > max_bytes:
        raise InvalidInput(
            f"“{label}”太大：{len(content) / 1048576:.1f} MB，最大 {max_bytes / 1048576:.0f} MB"
        )
    content_type = sniff(content)
    if content_type is None or content_type not in accept:
        allowed = "、".join(TYPE_NAMES.get(t, t) for t in accept)
        raise InvalidInput(f"“{label}”的文件类型不被接受，请上传 {allowed}")
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(root, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, target)  # atomic: a reader never sees half a file
    exists = session.execute(
        select(StoredFile.id).where(StoredFile.tenant == tenant, StoredFile.sha256 == digest)
    ).first()
    if exists is None:
        with session.begin_nested():
            session.add(
                StoredFile(
                    tenant=tenant,
                    sha256=digest,
                    size=len(content),
                    content_type=content_type,
                    created_at=datetime.now(UTC),
                )
            )
    return FileRef(digest, name, len(content), content_type)


def read_file(root: Path, sha256: str) -> bytes:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidInput("文件标识无效")
    return path_for(root, sha256).read_bytes()

"""Signed checkpoints of the tenant log's head, with a key that is not in the database.

A checkpoint is ``{tenant, tree_size, root, signed_at, key_id}`` (RFC 9162's signed tree
head, in canonical JSON) and an Ed25519 signature over those bytes. The private key lives
in a PEM file (``BANSHI_AUDIT_KEY_FILE``), never in the database; ``key_id`` is the
SHA-256 of the raw public key. Each checkpoint is stored in ``audit_checkpoint`` (with the
compact range the next checkpoint starts from) and exported: one JSON line appended to
``<BANSHI_AUDIT_CHECKPOINT_DIR>/checkpoints-<tenant>.jsonl`` and, on request, one JSON file
to hand to someone else. Verify checks every checkpoint it finds, stored or exported.

What a checkpoint proves: the first ``tree_size`` leaves of the log hashed to ``root``
when it was signed. Someone with database write access but without the key cannot change,
remove or reorder any of those leaves (or the events they name) without the recomputed
root disagreeing, and cannot sign a new head; deleting the stored checkpoints leaves the
exported ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, Table, insert, select

from db.engine import write_transaction
from definitions.canonical import canonical_json
from definitions.errors import BanshiError
from runtime.ledger import Frontier, entries, lock_log, seal_all
from runtime.ledger_tables import AuditCheckpoint

CHECKPOINT = cast(Table, AuditCheckpoint.__table__)
KEY_SETTING = "BANSHI_AUDIT_KEY_FILE"


class AuditKeyError(BanshiError):
    """The signing key is missing or unreadable; the message names the setting (for
    operators: not ``public``)."""

    status = 503
    code = "audit_key_invalid"
    default_message = "审计签名密钥不可用，请稍后再试；如仍有问题请联系县政务服务中心。"
    public = False


class AuditLogGap(BanshiError):
    """The log has a hole where an entry should be: nothing is signed over it."""

    status = 503
    code = "audit_log_gap"
    default_message = "审计日志不完整，暂不签署检查点；请联系系统管理员。"
    public = False


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_bytes(key)).hexdigest()


def load_key(path: str | Path, *, create: bool = False) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (PEM, PKCS#8). With ``create`` (demo mode) a
    missing file is made, readable by its owner only."""
    p = Path(path)
    if not p.exists():
        if not create:
            raise AuditKeyError(
                f"{KEY_SETTING}: 审计签名密钥文件 {p} 不存在（请生成 Ed25519 密钥并设置 {KEY_SETTING}）"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return key
    try:
        loaded = serialization.load_pem_private_key(p.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise AuditKeyError(f"{KEY_SETTING}: 无法读取审计签名密钥 {p}：{exc}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise AuditKeyError(f"{KEY_SETTING}: {p} 不是 Ed25519 私钥")
    return loaded


@dataclass(frozen=True)
class Checkpoint:
    tenant: str
    tree_size: int
    root: str
    signed_at: str
    key_id: str
    signature: str  # base64
    source: str = "database"

    def body(self) -> bytes:
        return canonical_json(
            {
                "tenant": self.tenant,
                "tree_size": self.tree_size,
                "root": self.root,
                "signed_at": self.signed_at,
                "key_id": self.key_id,
            }
        ).encode()

    def to_json(self) -> str:
        return json.dumps(
            {
                "tenant": self.tenant,
                "tree_size": self.tree_size,
                "root": self.root,
                "signed_at": self.signed_at,
                "key_id": self.key_id,
                "signature": self.signature,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_mapping(cls, raw: Any, source: str) -> Checkpoint:
        """From an exported JSON object; raises ValueError when it is not one."""
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        try:
            return cls(
                str(raw["tenant"]),
                int(raw["tree_size"]),
                str(raw["root"]),
                str(raw["signed_at"]),
                str(raw["key_id"]),
                str(raw["signature"]),
                source,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"missing or bad field: {exc}") from None

    def signature_ok(self, key: Ed25519PublicKey) -> bool:
        if self.key_id != key_id(key):
            return False
        try:
            key.verify(base64.b64decode(self.signature, validate=True), self.body())
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def where(self) -> str:
        return f"checkpoint of size {self.tree_size} signed {self.signed_at} ({self.source})"


def stored(conn: Connection, tenant: str) -> list[tuple[Checkpoint, str]]:
    """Every checkpoint stored in the database, oldest first, with its compact range."""
    rows = conn.execute(
        select(CHECKPOINT)
        .where(CHECKPOINT.c.tenant == tenant)
        .order_by(CHECKPOINT.c.tree_size, CHECKPOINT.c.id)
    ).all()
    return [
        (Checkpoint(r.tenant, r.tree_size, r.root, r.signed_at, r.key_id, r.signature), r.frontier)
        for r in rows
    ]


def export_path(directory: str | Path, tenant: str) -> Path:
    return Path(directory) / f"checkpoints-{tenant}.jsonl"


def exported(directory: str | Path, tenant: str) -> tuple[list[Checkpoint], list[str]]:
    """Checkpoints exported to ``directory`` (and unreadable lines, as problems)."""
    path = export_path(directory, tenant)
    return read_file(path) if path.exists() else ([], [])


def read_file(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """Checkpoints in a file: one JSON object, or one per line."""
    out: list[Checkpoint] = []
    bad: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: unreadable: {exc}"]
    lines = (
        [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else text.splitlines()
    )
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(Checkpoint.from_mapping(json.loads(line), f"{path.name}:{n}"))
        except ValueError as exc:
            bad.append(f"{path}:{n}: not a checkpoint: {exc}")
    return out, bad


def make_checkpoint(
    engine: Engine,
    tenant: str,
    key: Ed25519PrivateKey,
    *,
    batch: int,
    export_dir: str | Path | None = None,
    now: datetime | None = None,
    only_if_grown: bool = False,
) -> Checkpoint | None:
    """Seal every pending event, sign the log's head and store it (and append it to the
    export file). The head is computed from the newest stored checkpoint that is signed by
    this key and whose compact range gives its root, plus the leaves after it; when none
    qualifies, from every leaf. With ``only_if_grown`` (the worker) nothing is signed, and
    None returned, when that checkpoint already covers the whole log."""
    seal_all(engine, tenant, batch)
    public = key.public_key()
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with write_transaction(engine) as conn:
        lock_log(conn, tenant)
        frontier = Frontier()
        for cp, raw in reversed(stored(conn, tenant)):
            try:
                f = Frontier.from_json(cp.tree_size, raw)
            except (ValueError, TypeError):
                continue
            if cp.signature_ok(public) and f.root() == cp.root:
                frontier = f
                break
        start = frontier.size
        for entry in entries(conn, tenant, start=start):
            if entry.idx != frontier.size:
                raise AuditLogGap(
                    f"审计日志第 {frontier.size} 条缺失，不能签名（请运行 banshi audit verify）"
                )
            frontier.append(entry.leaf(tenant))
        if only_if_grown and frontier.size == start and start > 0:
            return None
        unsigned = Checkpoint(tenant, frontier.size, frontier.root(), at, key_id(public), "")
        signature = base64.b64encode(key.sign(unsigned.body())).decode()
        cp = Checkpoint(tenant, frontier.size, unsigned.root, at, unsigned.key_id, signature)
        conn.execute(
            insert(AuditCheckpoint),
            {
                "tenant": tenant,
                "tree_size": cp.tree_size,
                "root": cp.root,
                "signed_at": cp.signed_at,
                "key_id": cp.key_id,
                "signature": cp.signature,
                "frontier": frontier.to_json(),
            },
        )
    if export_dir is not None:
        path = export_path(export_dir, tenant)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(cp.to_json() + "\n")
    return cp


class Sealer:
    """The worker's audit step: every ``every_s`` seconds, seal what waits and (with a
    key) sign a checkpoint when the log has grown. ``step()`` is cheap when not due."""

    def __init__(
        self,
        engine: Engine,
        tenant: str,
        key: Ed25519PrivateKey | None,
        *,
        batch: int,
        every_s: float,
        export_dir: str | Path | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine, self.tenant, self.key = engine, tenant, key
        self.batch, self.every_s, self.export_dir = batch, every_s, export_dir
        self.clock = clock
        self.next_at = clock()

    def step(self) -> Checkpoint | None:
        """Seal and sign if due; the new checkpoint, if one was signed."""
        if self.clock() < self.next_at:
            return None
        self.next_at = self.clock() + self.every_s
        if self.key is None:
            seal_all(self.engine, self.tenant, self.batch)
            return None
        return make_checkpoint(
            self.engine,
            self.tenant,
            self.key,
            batch=self.batch,
            export_dir=self.export_dir,
            only_if_grown=True,
        )

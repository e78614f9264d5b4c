"""Uploads and the references to them, the same at every door.

An upload is checked and stored by ``runtime.files.store_upload``; its sha256 is then
remembered in the uploader's session (the last ``session_uploads`` of them). A reference
that comes back in a later post (a material's ``_material_ref_*``, a file field's value, a
file field in API data) is accepted only when it names an upload this session made; its
size and type are then taken from the stored file, not from what was posted."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from sqlalchemy import select

from db.engine import transaction
from definitions.compile import CompiledItem, FieldError
from runtime.case_tables import StoredFile
from runtime.errors import InvalidInput
from runtime.files import store_upload
from web.jsonbody import bad_char

SESSION_UPLOADS = "uploads"
NOT_OURS = "不是本次办理中上传的文件，请重新上传"


def remember(request: Request[Any, Any, Any], sha256: str) -> None:
    """Note in the session that it made this upload (most recent last, bounded)."""
    limit = request.app.state.house.settings.session_uploads
    seen = [h for h in (request.session.get(SESSION_UPLOADS) or []) if h != sha256]
    seen.append(sha256)
    request.session[SESSION_UPLOADS] = seen[-limit:]


def known(request: Request[Any, Any, Any]) -> frozenset[str]:
    session = request.scope.get("session")
    if not isinstance(session, dict):
        return frozenset()
    return frozenset(str(h) for h in session.get(SESSION_UPLOADS) or [])


def _stored(house: Any, digests: set[str]) -> dict[str, StoredFile]:
    if not digests:
        return {}
    with house.reading() as s:
        rows = s.execute(
            select(StoredFile).where(
                StoredFile.tenant == house.settings.tenant, StoredFile.sha256.in_(sorted(digests))
            )
        ).scalars()
        return {r.sha256: r for r in rows}


def resolve_refs(
    house: Any, ours: frozenset[str], refs: Mapping[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """``{key: posted reference}`` -> (``{key: the stored file's reference}``, ``{key: why
    refused}``): only uploads of this session, with size and type as stored."""
    wanted = {
        str(r.get("sha256"))
        for r in refs.values()
        if isinstance(r, Mapping) and str(r.get("sha256")) in ours
    }
    stored = _stored(house, wanted)
    good: dict[str, dict[str, Any]] = {}
    bad: dict[str, str] = {}
    for key, ref in refs.items():
        row = stored.get(str(ref.get("sha256"))) if isinstance(ref, Mapping) else None
        if row is None:
            bad[key] = NOT_OURS
            continue
        name = ref.get("name")
        name = name if isinstance(name, str) and bad_char(name) is None else "upload"
        good[key] = {
            "sha256": row.sha256,
            "name": Path(name).name[:255] or "upload",
            "size": row.size,
            "content_type": row.content_type,
        }
    return good, bad


def check_file_fields(
    house: Any, ours: frozenset[str], item: CompiledItem, data: dict[str, Any]
) -> list[FieldError]:
    """File fields of application data (top level) must name this session's uploads; their
    values become the stored references. Errors name the field."""
    fields = {
        f.key: f for f in item.definition.form.all_fields() if item.registry[f.type].accepts_uploads
    }
    posted = {k: data[k] for k in fields if k in data}
    if not posted:
        return []
    good, bad = resolve_refs(house, ours, posted)
    data.update(good)
    errors = []
    for key in bad:
        data.pop(key, None)
        errors.append(FieldError(f"/{key}", f"“{fields[key].label}”{NOT_OURS}", fields[key].label))
    return errors


async def store_scan(request: Request[Any, Any, Any], upload: UploadFile) -> dict[str, Any]:
    """Store one scan uploaded through the API (any accepted type, at most the upload
    limit) and remember it in the session: the reference a file field may carry."""
    house = request.app.state.house
    settings = house.settings
    content = await upload.read()
    with transaction(house.sessions) as s:
        try:
            ref = store_upload(
                s,
                settings.tenant,
                Path(settings.upload_dir),
                content,
                upload.filename,
                max_bytes=int(settings.max_upload_mb * 1048576),
                label="文件",
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.message, [FieldError("/file", exc.message)]) from None
    remember(request, ref.sha256)
    return ref.as_dict()


async def take_uploads(
    request: Request[Any, Any, Any], form: Any, values: dict[str, list[str]], item: CompiledItem
) -> tuple[list[FieldError], dict[str, dict[str, Any]]]:
    """Store uploaded scans (file fields and materials) by content hash; file fields get
    their reference as the field's value, materials are recorded as received. References
    posted back (``_material_ref_*``) count only when this session uploaded them."""
    from renderer.parse import input_name

    house = request.app.state.house
    settings = house.settings
    root = Path(settings.upload_dir)
    errors: list[FieldError] = []
    material_names = {m.key: m for m in item.definition.materials}
    posted: dict[str, Any] = {}
    for key in list(form):
        if key.startswith("_material_ref_"):
            mkey = key.removeprefix("_material_ref_")
            if mkey not in material_names:
                continue
            try:
                posted[mkey] = json.loads(str(form.get(key)))
            except ValueError:
                posted[mkey] = None
    refs: dict[str, dict[str, Any]] = {}
    if posted:
        good, bad = resolve_refs(house, known(request), posted)
        refs.update({k: {"key": k, **ref} for k, ref in good.items()})
        errors.extend(
            FieldError(f"/_material_{k}", f"“{material_names[k].name}”{why}")
            for k, why in bad.items()
        )
    file_fields = {
        input_name(f"/{f.key}"): f
        for f in item.definition.form.all_fields()
        if item.registry[f.type].accepts_uploads
    }
    largest = int(settings.max_upload_mb * 1048576)
    for key in list(form):
        uploads = [u for u in form.getall(key) if isinstance(u, UploadFile) and u.filename]
        if not uploads:
            continue
        upload = uploads[-1]
        content = await upload.read()
        with transaction(house.sessions) as s:
            try:
                if key in file_fields:
                    f = file_fields[key]
                    plugin = item.registry[f.type]
                    ref = store_upload(
                        s,
                        settings.tenant,
                        root,
                        content,
                        upload.filename,
                        max_bytes=min(plugin.max_bytes(f), largest),
                        accept=plugin.accepted(f),
                        label=f.label,
                    )
                    values[key] = [json.dumps(ref.as_dict(), ensure_ascii=False)]
                    remember(request, ref.sha256)
                elif (
                    key.startswith("_material_")
                    and key.removeprefix("_material_") in material_names
                ):
                    m = material_names[key.removeprefix("_material_")]
                    ref = store_upload(
                        s,
                        settings.tenant,
                        root,
                        content,
                        upload.filename,
                        max_bytes=min(
                            int((m.max_size_mb or settings.max_upload_mb) * 1048576), largest
                        ),
                        accept=m.accept or ("application/pdf", "image/jpeg", "image/png"),
                        label=m.name,
                    )
                    refs[m.key] = {"key": m.key, **ref.as_dict()}
                    remember(request, ref.sha256)
            except InvalidInput as exc:
                path = (
                    "/" + file_fields[key].key
                    if key in file_fields
                    else f"/_material_{key.removeprefix('_material_')}"
                )
                errors.append(FieldError(path, exc.message))
    return errors, refs

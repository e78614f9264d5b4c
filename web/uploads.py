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
from web.deps import house_of
from web.jsonbody import bad_char

SESSION_UPLOADS = "uploads"
NOT_OURS = "不是本次办理中上传的文件，请重新上传"


def remember(request: Request[Any, Any, Any], sha256: str) -> None:
    """Note in the session that it made this upload (most recent last, bounded)."""
    limit = house_of(request).settings.session_uploads
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


def upload_fields(item: CompiledItem) -> dict[str, Any]:
    """The fields whose value is an upload (the plugin says so), by path shape: /licence,
    /companies/*/licence for one inside a repeating group's rows."""
    out: dict[str, Any] = {}

    def walk(fields: Any, base: str) -> None:
        for f in fields:
            plugin = item.registry[f.type]
            path = f"{base}/{f.key}"
            if plugin.accepts_uploads:
                out[path] = f
            if plugin.container:
                walk(f.fields or [], f"{path}/*")

    walk(item.definition.form.all_fields(), "")
    return out


def _posted_files(item: CompiledItem, data: dict[str, Any]) -> dict[str, tuple[Any, str, Any]]:
    """{JSON pointer: (the object holding it, its key, its field)} for every upload value in
    ``data``, group rows included."""
    out: dict[str, tuple[Any, str, Any]] = {}

    def walk(fields: Any, value: Any, base: str) -> None:
        if not isinstance(value, dict):
            return
        for f in fields:
            plugin = item.registry[f.type]
            path = f"{base}/{f.key}"
            if plugin.accepts_uploads and f.key in value:
                out[path] = (value, f.key, f)
            elif plugin.container and isinstance(value.get(f.key), list):
                for i, row in enumerate(value[f.key]):
                    walk(f.fields or [], row, f"{path}/{i}")

    walk(item.definition.form.all_fields(), data, "")
    return out


def check_file_fields(
    house: Any, ours: frozenset[str], item: CompiledItem, data: dict[str, Any]
) -> list[FieldError]:
    """File fields of application data (in group rows too) must name this session's
    uploads; their values become the stored references. Errors name the field."""
    found = _posted_files(item, data)
    if not found:
        return []
    good, _ = resolve_refs(house, ours, {path: v[0][v[1]] for path, v in found.items()})
    errors = []
    for path, (holder, key, f) in found.items():
        if path in good:
            holder[key] = good[path]
        else:
            holder.pop(key, None)
            label = item.label(path) or f.label
            errors.append(FieldError(path, f"“{label}”{NOT_OURS}", label))
    return errors


async def store_scan(request: Request[Any, Any, Any], upload: UploadFile) -> dict[str, Any]:
    """Store one scan uploaded through the API (any accepted type, at most the upload
    limit) and remember it in the session: the reference a file field may carry."""
    house = house_of(request)
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
    from renderer.parse import field_path, shape

    house = house_of(request)
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
    if not any(isinstance(v, UploadFile) for _, v in form.multi_items()):
        return errors, refs  # a url-encoded form, or a multipart one with no file in it
    by_shape = upload_fields(item)
    file_fields = {
        key: by_shape[shape(field_path(key))]
        for key in form
        if not key.startswith("_") and shape(field_path(key)) in by_shape
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
                    field_path(key)
                    if key in file_fields
                    else f"/_material_{key.removeprefix('_material_')}"
                )
                errors.append(FieldError(path, exc.message))
    return errors, refs

"""Drafts, the four-eyes review, publish and retire.

    draft --submit--> in_review --publish--> published
      ^                  |
      +----send back-----+        (draft | in_review) --discard--> discarded

A department's admin drafts and submits; the county's admin (the reform office) reviews
and publishes — never their own draft (四眼原则: the drafter and the publisher are two
people). Publishing is refused while an error remains and a warning needs a written
reason (admin/publish.py, the same path as the command line). A code has at most one open
draft. Every step is logged (admin/log.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.checking import check_document
from admin.log import record
from admin.publish import Outcome, newest, publish
from admin.tables import ItemDraft, ItemRetirement
from admin.wording import diff_words
from definitions.canonical import canonical_json
from runtime.errors import Conflict, InvalidInput, NotFound, ReasonRequired, WrongState
from runtime.publishing import Catalog

OPEN = ("draft", "in_review")
STATE_NAMES = {"draft": "草稿", "in_review": "待审核", "published": "已发布", "discarded": "已放弃"}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def document_of(draft: ItemDraft) -> Any:
    return json.loads(draft.document)


def open_draft(session: Session, tenant: str, code: str) -> ItemDraft | None:
    return session.execute(
        select(ItemDraft)
        .where(ItemDraft.tenant == tenant, ItemDraft.code == code, ItemDraft.state.in_(OPEN))
        .order_by(ItemDraft.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def draft_by_id(session: Session, tenant: str, draft_id: int) -> ItemDraft:
    draft = session.get(ItemDraft, {"id": draft_id, "tenant": tenant})
    if draft is None or draft.tenant != tenant:
        raise NotFound("找不到该草稿")
    return draft


def _text(doc: Any, key: str, default: str = "") -> str:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) else default


def create(
    session: Session,
    catalog: Catalog,
    tenant: str,
    by: str,
    doc: Any,
    *,
    how: str,
) -> ItemDraft:
    """A new draft of ``doc``: a new item, or the next version of a published one."""
    code = _text(doc, "code")
    if not code or len(code) > 40:
        raise InvalidInput("事项编码必填，最多 40 个字符")
    if open_draft(session, tenant, code) is not None:
        raise Conflict(f"事项 {code} 已有未完成的草稿，请在原草稿上修改")
    base = newest(session, catalog, tenant, code)
    draft = ItemDraft(
        tenant=tenant,
        code=code,
        owner=_text(doc, "owner")[:64],
        name=_text(doc, "name", code)[:200],
        document=canonical_json(doc),
        state="draft",
        base_version=base.version if base is not None else None,
        revision=1,
        created_by=by,
        created_at=now(),
        updated_by=by,
        updated_at=now(),
    )
    session.add(draft)
    session.flush()
    record(session, tenant, by, "items", "draft", code, f"新建草稿（{how}）", domain=draft.owner)
    return draft


def save(session: Session, draft: ItemDraft, doc: Any, by: str, revision: int) -> ItemDraft:
    """Replace the draft's document (compare-and-set on ``revision``)."""
    if draft.state != "draft":
        raise WrongState(f"草稿处于“{STATE_NAMES[draft.state]}”状态，不能修改")
    # Compare-and-set against other editors. The page's own live save (htmx, on change)
    # may land just before the same page's full post (a button clicked as the field
    # loses focus): that post carries every widget, so one save behind by the same
    # person is no conflict.
    own_race = draft.updated_by == by and revision == draft.revision - 1
    if revision != draft.revision and not own_race:
        raise Conflict("草稿已被他人修改，请刷新后重试（您的修改未保存）")
    if _text(doc, "code") != draft.code:
        raise InvalidInput("草稿的事项编码不能修改；请另建副本")
    draft.document = canonical_json(doc)
    draft.name = _text(doc, "name", draft.code)[:200]
    draft.owner = _text(doc, "owner", draft.owner)[:64]
    draft.revision += 1
    draft.updated_by = by
    draft.updated_at = now()
    session.flush()
    return draft


def submit(session: Session, catalog: Catalog, draft: ItemDraft, by: str, note: str) -> None:
    if draft.state != "draft":
        raise WrongState("只有草稿可以提交审核")
    findings = check_document(document_of(draft), catalog)
    if findings.errors:
        raise Conflict(f"草稿还有 {len(findings.errors)} 处错误，改正后才能提交审核")
    draft.state = "in_review"
    draft.submitted_by = by
    draft.submitted_at = now()
    draft.submit_note = note
    session.flush()
    record(
        session,
        draft.tenant,
        by,
        "items",
        "submit",
        draft.code,
        "提交审核",
        reason=note,
        domain=draft.owner,
    )


def send_back(session: Session, draft: ItemDraft, by: str, reason: str) -> None:
    if draft.state != "in_review":
        raise WrongState("只有待审核的草稿可以退回")
    if not reason.strip():
        raise ReasonRequired("退回须写明理由")
    draft.state = "draft"
    draft.decided_by = by
    draft.decided_at = now()
    draft.decision_reason = reason
    draft.revision += 1
    session.flush()
    record(
        session,
        draft.tenant,
        by,
        "items",
        "send_back",
        draft.code,
        "退回修改",
        reason=reason,
        domain=draft.owner,
    )


def discard(session: Session, draft: ItemDraft, by: str) -> None:
    if draft.state not in OPEN:
        raise WrongState("该草稿已结束")
    draft.state = "discarded"
    draft.revision += 1
    session.flush()
    record(
        session, draft.tenant, by, "items", "discard", draft.code, "放弃草稿", domain=draft.owner
    )


def approve(session: Session, catalog: Catalog, draft: ItemDraft, by: str, reason: str) -> Outcome:
    """Publish a draft under review (four eyes: not by who drafted or submitted it)."""
    if draft.state != "in_review":
        raise WrongState("只有待审核的草稿可以发布")
    if by in (draft.created_by, draft.submitted_by):
        raise Conflict("四眼原则：起草或提交此草稿的人不能发布它，请由另一位县级管理员审核")
    findings = check_document(document_of(draft), catalog)
    if findings.definition is None or findings.errors:
        raise Conflict(f"草稿还有 {len(findings.errors)} 处错误，不能发布")
    outcome = publish(
        session, catalog, draft.tenant, findings.definition, by, reason=reason, source="审核发布"
    )
    if not outcome.new:
        raise Conflict(f"内容与已发布的第 {outcome.version} 版相同，无需发布")
    draft.state = "published"
    draft.decided_by = by
    draft.decided_at = now()
    draft.decision_reason = reason
    draft.published_version = outcome.version
    session.flush()
    return outcome


def review_changes(session: Session, catalog: Catalog, draft: ItemDraft) -> list[str]:
    """The draft against the published version, in words."""
    base = newest(session, catalog, draft.tenant, draft.code)
    findings = check_document(document_of(draft), catalog)
    new = findings.definition.canonical() if findings.definition else document_of(draft)
    if not isinstance(new, dict):
        return ["草稿不是一个 JSON 对象"]
    return diff_words(base.definition.canonical() if base else None, new)


def retired(session: Session, tenant: str, code: str) -> ItemRetirement | None:
    return session.get(ItemRetirement, (tenant, code))


def retire(
    session: Session, tenant: str, code: str, by: str, reason: str, version: int, owner: str
) -> None:
    if not reason.strip():
        raise ReasonRequired("停用事项须写明理由")
    if retired(session, tenant, code) is not None:
        raise WrongState("该事项已停用")
    session.add(
        ItemRetirement(tenant=tenant, code=code, retired_by=by, retired_at=now(), reason=reason)
    )
    session.flush()
    record(
        session,
        tenant,
        by,
        "items",
        "retire",
        code,
        f"停用事项（末版第 {version} 版）",
        reason=reason,
        version=version,
        domain=owner,
    )


def reinstate(session: Session, tenant: str, code: str, by: str, reason: str, owner: str) -> None:
    row = retired(session, tenant, code)
    if row is None:
        raise WrongState("该事项未停用")
    session.delete(row)
    session.flush()
    record(session, tenant, by, "items", "reinstate", code, "恢复受理", reason=reason, domain=owner)

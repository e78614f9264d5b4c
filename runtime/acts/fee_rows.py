"""What a case's fee rows say, for the guards: which lines are assessed, and whether a fee
assessed at the current step still waits for its quantity.

Kept apart from the fee acts (runtime/acts/fees.py) so that the state machine's guards
(runtime/acts/rules.py ``unpaid``) can ask without importing the acts.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from definitions.fees import FeeLine
from runtime.acts.context import FEE_TABLE as FEE
from runtime.acts.context import Situation

FEE_KEYS = select(FEE.c.fee_key).where(
    FEE.c.tenant == bindparam("t"), FEE.c.case_id == bindparam("c")
)


def assessed_keys(s: Situation) -> frozenset[str]:
    """The fee keys assessed on the case so far (one reading of the fee table)."""
    rows = s.conn.execute(FEE_KEYS, {"t": s.case.tenant, "c": s.case.id})
    return frozenset(str(k) for k in rows.scalars())


def later_here(s: Situation) -> bool:
    """Whether any fee line of the item is assessed at the current step (no table read)."""
    step = s.step
    return step is not None and any(
        f.assessed_at is not None and f.assessed_at.step == step.key for f in s.pub.definition.fees
    )


def pending_here(s: Situation, assessed: frozenset[str] | None = None) -> list[FeeLine]:
    """The later-assessed lines of this application due at the current step and not yet
    assessed: the step cannot be left before their quantity is recorded."""
    if not later_here(s):
        return []
    step = s.step
    assert step is not None
    lines = [ln for ln in s.pub.compiled.fees_for(s.data) if ln.pending and ln.step == step.key]
    if not lines:
        return []
    done = assessed_keys(s) if assessed is None else assessed
    return [ln for ln in lines if ln.key not in done]


def unassessed_refusal(s: Situation) -> str | None:
    """Why the current step cannot be left: a fee assessed here has no quantity yet."""
    waiting = pending_here(s)
    if not waiting:
        return None
    return f"本环节须先按实核定收费：{'、'.join(ln.name for ln in waiting)}"

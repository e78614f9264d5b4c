"""The public side's tables (online drafts, applicant accounts, complaints, evaluations)."""

from __future__ import annotations

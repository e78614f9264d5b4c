"""The acts on a case, by family, behind one registry.

``context`` holds what an act works on (the case read for it, and the pending changes);
``rules`` the state machine's guards and the steps' routing; ``registry`` the act
specifications (guard, body, offers, arguments from text) and the question "which acts
are possible now, for this user"; one module per family registers its acts:
``filing`` (accept, correction, refusal), ``steps`` (review, forward, return,
countersign), ``special`` (special procedures), ``supplement`` (the applicant asked to supplement after
acceptance, where the law allows it), ``decision``, ``fees``, ``closing``
(completion, delivery, withdrawal) and ``clock`` (extension, recomputed deadlines).
``writing`` appends the event and the outbox rows. ``runtime.service.CaseService`` is the
one entry point callers use.
"""

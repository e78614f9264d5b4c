"""The public side's runtime: the public answer about a case (query), SMS codes, online
drafts and applicant accounts, public messages and inbound SMS, complaints, evaluations
and rectification tasks, publicity and open data. No HTTP, no HTML."""

"""Electronic supervision (电子监察, DESIGN §7): the act-time hook that keeps figure rollups,
the watch list and findings (``hook``), the warning rules (``rules``), cards and their
ledger (``cards``), figures over date ranges (``figures``) and process replay with the
chain check (``replay``). No HTML: web/supervision renders these."""

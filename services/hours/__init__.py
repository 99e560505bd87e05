"""Hours: the ledger, per-volunteer totals and star levels, hours codes, certificates."""

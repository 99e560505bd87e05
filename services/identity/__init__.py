"""Identity: volunteers, organizations, staff roles and credentials (SPEC §3.1)."""

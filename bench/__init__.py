"""Benchmarks (SPEC §5 "Performance"): scripts that print tables, not timed tests."""

"""Runs made with the `nhtz` command line, shown in Dagster as asset events (docs/orchestration.md)."""

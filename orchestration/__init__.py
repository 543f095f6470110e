"""Dagster code location of nhtz: the quarterly analysis run as assets over the nhtz library functions."""

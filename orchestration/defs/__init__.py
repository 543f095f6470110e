"""Definitions by concern: ingestion, dbt, quality, publish, report; shared resources and partitions beside them."""

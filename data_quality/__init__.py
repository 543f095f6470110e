"""Data quality: Great Expectations suites, the publication gate and the per-park audit feedback workbook."""

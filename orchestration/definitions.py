"""The nhtz code location: assembles the definitions of each concern, nothing else.

Start it with `make dagster` or `NHTZ_HOME=... dagster dev -m orchestration.definitions` (docs/orchestration.md).
"""

import dagster as dg

from orchestration.defs.dbt.assets import nhtz_dbt_models
from orchestration.defs.dbt.resources import dbt_cli_resource
from orchestration.defs.ingestion.assets import landed_submissions
from orchestration.defs.ingestion.sensors import new_submission_sensor
from orchestration.defs.jobs import quarterly_analysis_job
from orchestration.defs.publish.assets import serving_copy
from orchestration.defs.quality.assets import park_feedback
from orchestration.defs.quality.checks import no_error_findings, publication_gate
from orchestration.defs.report.assets import quarterly_report
from orchestration.defs.resources import NhtzHomeResource
from orchestration.defs.schedules import quarterly_schedule

defs = dg.Definitions(
    assets=[landed_submissions, nhtz_dbt_models, serving_copy, park_feedback, quarterly_report],
    asset_checks=[publication_gate, no_error_findings],
    jobs=[quarterly_analysis_job],
    schedules=[quarterly_schedule],
    sensors=[new_submission_sensor],
    resources={
        "nhtz_home": NhtzHomeResource(home=dg.EnvVar("NHTZ_HOME")),
        "dbt": dbt_cli_resource(),
    },
    # ad-hoc materialisations from the UI run in one process too: one DuckDB file, one writer
    executor=dg.in_process_executor,
)

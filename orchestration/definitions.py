"""The nhtz code location: assembles the definitions of each concern, nothing else.

Start it with `make dagster` or `NHTZ_HOME=... dg dev` (docs/orchestration.md).
"""

import dagster as dg

from nhtz.home import resolve_home
from nhtz.settings import Settings, load_settings
from orchestration.defs.automation import automation_on
from orchestration.defs.cli_runs.sensors import cli_runs_sensor
from orchestration.defs.dbt.assets import nhtz_dbt_models
from orchestration.defs.ingestion.assets import landed_submissions
from orchestration.defs.ingestion.sensors import new_submission_sensor
from orchestration.defs.jobs import quarterly_analysis_job
from orchestration.defs.publish.assets import serving_copy
from orchestration.defs.quality.assets import park_feedback
from orchestration.defs.quality.checks import no_error_findings, publication_gate
from orchestration.defs.report.assets import quarterly_report
from orchestration.defs.resources import NhtzHomeResource
from orchestration.defs.schedules import quarterly_schedule


def build_definitions(settings: Settings = Settings()) -> dg.Definitions:
    """Every definition of the code location, the schedule on the day `settings` names."""
    automation = automation_on(settings)
    return dg.Definitions(
        assets=[landed_submissions, nhtz_dbt_models, serving_copy, park_feedback, quarterly_report],
        asset_checks=[publication_gate, no_error_findings],
        jobs=[quarterly_analysis_job],
        schedules=[quarterly_schedule(settings.schedule_day, automation)],
        # the landing sensor starts runs; the command-line observer only reports what `nhtz` did
        sensors=[new_submission_sensor(automation), cli_runs_sensor],
        resources={"nhtz_home": NhtzHomeResource(home=dg.EnvVar("NHTZ_HOME"))},
        # ad-hoc materialisations from the UI run in one process too: one DuckDB file, one writer
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Called when the code location loads (dg dev, dagster dev, dg check defs), never on import.

    The home's nhtz.toml is read here, once per load, so the UI shows the schedule on its real day and
    automation in the state the home asks for; after editing nhtz.toml, reload the code location.
    """
    return build_definitions(load_settings(resolve_home()))

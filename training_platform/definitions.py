"""The code location: `dagster dev` / `dagster asset materialize -m training_platform.definitions`."""


import dagster as dg

from training_platform.defs.features.assets import features_gold
from training_platform.defs.jobs import ingest_job, promote_jobs
from training_platform.defs.models.assets import model_assets
from training_platform.defs.production.assets import production_assets
from training_platform.defs.raw.assets import raw_games
from training_platform.defs.reports.assets import report_assets
from training_platform.defs.resources import default_resources
from training_platform.defs.tuning.assets import tuning_assets

defs = dg.Definitions(
    assets=[raw_games, features_gold, *tuning_assets, *model_assets, *report_assets, *production_assets],
    jobs=[ingest_job, *promote_jobs],
    resources=default_resources(),
)

"""Start and follow training runs on a running Dagster webserver, through Dagster's GraphQL API.

    from training_platform.remote import RemoteTraining
    remote = RemoteTraining("127.0.0.1", 3000)
    run_id = remote.train("nfl", model="elo", run_config={"ops": {"tuning__elo_nfl": {"config": {"n_trials": 20}}}})
    remote.wait(run_id)            # DagsterRunStatus.SUCCESS, or raises RemoteRunFailed naming the run

What the requirements' `POST /models/train` and `GET /training/<job>` did, on Dagster's own API: the run is
the code location's `train_<sport>_job` restricted to one candidate's tuning, models and reports assets, so
it shows under that job in the UI and its sensors and automation follow it as they follow any other run.
"""

from __future__ import annotations

import time

from dagster import AssetKey, DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from training_platform.location import LOCATION, REPOSITORY
from training_platform.ml.modeling.markets import MARKETS  # the markets with their own assets
from training_platform.sports import SPORTS, configured

FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


class RemoteRunFailed(RuntimeError):
    pass


class RemoteTraining:
    def __init__(self, host: str = "127.0.0.1", port: int = 3000, location: str = LOCATION):
        self.url = f"http://{host}:{port}"
        self.location = location
        self.client = DagsterGraphQLClient(host, port_number=port)

    def train(
        self,
        sport: str,
        model: str = "elo",
        market: str = "moneyline",
        run_config: dict | None = None,
        tags: dict | None = None,
    ) -> str:
        """Launch tuning → models → reports of `<model>_<sport>` (`_ats`, `_totals` in those markets);
        returns the run id."""
        if sport not in SPORTS:
            raise ValueError(f"sport {sport!r} is not one of {', '.join(SPORTS)}")
        if market not in MARKETS:
            raise ValueError(f"market {market!r}: one of {', '.join(MARKETS)}")
        models = configured()[sport].models_for(market)
        if model not in models:
            raise ValueError(
                f"model {model!r} has no {sport} {market} assets; the sports file gives "
                f"{', '.join(models) or 'none'} (sports.{sport}.{'models' if market == 'moneyline' else 'markets'})"
            )
        name = MARKETS[market].asset_name(model, sport)
        keys = [AssetKey([stage, name]) for stage in ("tuning", "models", "reports")]
        try:
            return self.client.submit_job_execution(
                f"train_{sport}_job",
                repository_location_name=self.location,
                repository_name=REPOSITORY,
                run_config=run_config or {},
                tags={"trigger": "remote", **(tags or {})},
                asset_selection=keys,
            )
        except DagsterGraphQLClientError as exc:
            raise RemoteRunFailed(f"{self.url} refused the run of {name}: {exc}") from exc

    def status(self, run_id: str) -> DagsterRunStatus:
        return self.client.get_run_status(run_id)

    def wait(self, run_id: str, timeout: float = 900, poll: float = 2.0) -> DagsterRunStatus:
        """Poll until the run finishes; raises RemoteRunFailed unless it succeeded."""
        deadline = time.monotonic() + timeout
        while (status := self.status(run_id)) not in FINISHED:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"run {run_id} still {status.value} after {timeout:.0f}s: {self.run_url(run_id)}"
                )
            time.sleep(poll)
        if status != DagsterRunStatus.SUCCESS:
            raise RemoteRunFailed(f"run {run_id} ended {status.value}: {self.run_url(run_id)}")
        return status

    def run_url(self, run_id: str) -> str:
        return f"{self.url}/runs/{run_id}"

"""Why the platform tracks with MLflow's own API instead of dagster-mlflow's `mlflow_tracking` resource:
that resource keeps one MLflow run per Dagster run (it looks the run up by its `dagster_run_id` tag), and
a training run fits several candidates in one Dagster run, so their parameters land in one MLflow run,
where MLflow refuses a second value for a parameter. Our resource opens one MLflow run per asset."""

import dagster as dg
import mlflow
from dagster_mlflow import mlflow_tracking

from training_platform.ml.tracking import tracked_run


def two_models(log_params, resources: set[str] = frozenset()):
    """Two assets in one Dagster run, each logging its own max_depth, as two candidates' fits do."""

    @dg.asset(required_resource_keys=set(resources))
    def model_a(context: dg.AssetExecutionContext) -> str:
        return log_params(context, "model_a", {"max_depth": 3})

    @dg.asset(required_resource_keys=set(resources))
    def model_b(context: dg.AssetExecutionContext) -> str:
        return log_params(context, "model_b", {"max_depth": 6})

    return [model_a, model_b]


def test_dagster_mlflow_puts_two_candidates_of_one_run_in_one_mlflow_run_and_mlflow_refuses(
    tmp_path, monkeypatch
):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # the resource sets it process-wide; restored after

    def with_dagster_mlflow(context, name, params):
        context.resources.mlflow.log_params(params)
        return context.resources.mlflow.active_run().info.run_id

    assets = two_models(with_dagster_mlflow, {"mlflow"})
    resource = mlflow_tracking.configured({"experiment_name": "candidates", "mlflow_tracking_uri": uri})
    result = dg.materialize(assets, resources={"mlflow": resource}, raise_on_error=False)
    mlflow.end_run()
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "model_b"
    assert (
        "max_depth" in failure.step_failure_data.error.to_string()
    )  # "Changing param values is not allowed"


def test_our_tracking_gives_each_candidate_its_own_mlflow_run(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def with_tracked_run(context, name, params):
        with tracked_run(uri, "candidates", name, {"dagster_run_id": context.run.run_id}) as run:
            mlflow.log_params(params)
            return run.info.run_id

    result = dg.materialize(two_models(with_tracked_run))
    assert result.success
    runs = {result.output_for_node(name) for name in ("model_a", "model_b")}
    assert len(runs) == 2
    client = mlflow.MlflowClient(tracking_uri=uri)
    assert sorted(client.get_run(r).data.params["max_depth"] for r in runs) == ["3", "6"]

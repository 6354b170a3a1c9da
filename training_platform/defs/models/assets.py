"""models/<model>_<sport>: the tuned model fitted on all games, calibrated, versioned and registered."""

from collections.abc import Mapping

import dagster as dg

from training_platform.defs.features.assets import GOLD_FEATURES, features_gold
from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.failpoints import failpoint
from training_platform.ml.modeling.catalog import calibration_of, variant_of
from training_platform.ml.modeling.markets import MARKETS
from training_platform.sports import candidate_assets
from training_platform.storage.handoffs import TuningResult


def build_model_asset(model: str, sport: str, market: str = "moneyline") -> dg.AssetsDefinition:
    from training_platform.ml.artifacts import ModelArtifact

    name = MARKETS[market].asset_name(model, sport)

    @dg.asset(
        key=["models", name],
        ins={"tuning": dg.AssetIn(key=["tuning", name])},
        deps=[features_gold],
        group_name="models",
        owners=OWNERS,
        code_version=CODE_VERSION,
        kinds={"scikit-learn", "mlflow"},
        tags={"variant": variant_of(model, market), "market": market},  # filterable in the UI
        description=f"{model} for {sport.upper()} {MARKETS[market].label} with the tuned hyperparameters, fitted on every played "
        + (
            "game; calibrated by construction (its own map of the line), so not recalibrated."
            if calibration_of(model) == "none"
            else "game and calibrated (sigmoid or isotonic, by time-series CV) on out-of-fold predictions."
        ),
    )
    def _model(
        context: dg.AssetExecutionContext,
        tuning: Mapping,
        warehouse: WarehouseResource,
        model_store: ModelStoreResource,
        tracking: TrackingResource,
    ) -> dg.Output[ModelArtifact]:
        import mlflow
        import pandas as pd

        from training_platform.ml.artifacts import METADATA_FILE, find_version, save_model, sha256_of
        from training_platform.ml.features.columns import FEATURE_VERSION
        from training_platform.ml.modeling.catalog import input_columns
        from training_platform.ml.modeling.training import fit_calibrated, training_rows
        from training_platform.ml.modeling.tuning import seed_for
        from training_platform.ml.provenance import data_hash, fingerprint, git_commit, modelling_version
        from training_platform.ml.tracking import (
            drop_orphaned_versions,
            log_model,
            run_url,
            tag_model_version,
        )
        from training_platform.ml.verified import relative_artifact_path
        from training_platform.storage.model_store import versions_locked
        from training_platform.storage.registry import ChampionRegistry

        tuning = TuningResult.of(tuning)
        X, y, _ = training_rows(warehouse.read(GOLD_FEATURES, sport), market)
        digest = data_hash(X)
        window = f"{X['game_date'].min():%Y-%m-%d}..{X['game_date'].max():%Y-%m-%d}"
        inputs = fingerprint(
            model=model,
            sport=sport,
            market=market,
            params=tuning.params,
            data_hash=digest,
            n_splits=tuning.n_splits,
            imbalance=tuning.imbalance,
            tuning_window=tuning.tuning_window,
            code=modelling_version(),
        )
        # one fit at a time per model: a second training of the same inputs reuses the first's version
        with versions_locked(model_store.models_dir, name, context.log.warning):
            registry = ChampionRegistry(warehouse.open())
            existing = find_version(model_store.models_dir, name, inputs)
            if existing is not None and registry.recorded_sha256(name, existing.version) != existing.sha256:
                context.log.warning(
                    f"{name} v{existing.version} does not match the SHA-256 the warehouse recorded; "
                    "it is not reused, a new version is fitted"
                )
                existing = None
            if existing is not None:  # unchanged data, parameters and code: the same model, no new version
                context.log.info(
                    f"{name} v{existing.version} was fitted from these very inputs; no new version"
                )
                context.add_output_metadata(
                    {
                        "version": existing.version,
                        "sha256": existing.sha256,
                        "reused": True,
                        "path": dg.MetadataValue.path(existing.path),
                    }
                )
                return dg.Output(existing, data_version=dg.DataVersion(inputs[:16]))
            tags = {
                "asset": f"models/{name}",
                "data_hash": digest,
                "feature_version": FEATURE_VERSION,
                "git_commit": git_commit(),
                "dagster_run_id": context.run.run_id,
            }
            with tracking.run(f"models/{name}", tags) as run:
                estimator = fit_calibrated(
                    model,
                    sport,
                    tuning.params,
                    X,
                    y,
                    seed=seed_for(name),
                    n_splits=tuning.n_splits,
                    imbalance=tuning.imbalance,
                    market=market,
                )
                cv_metrics = {
                    "tuning_cv_log_loss": tuning.best_cv_log_loss,
                    "oof_log_loss_uncalibrated": estimator.oof_log_loss_raw_,
                    **{f"oof_log_loss_{m}": v for m, v in estimator.method_scores_.items()},
                }
                mlflow.log_params(
                    {**tuning.params, "calibration": estimator.method_, "training_games": len(X)}
                )
                mlflow.log_metrics(cv_metrics)
                drop_orphaned_versions(tracking.mlflow_uri, name, model_store.models_dir)
                registered = log_model(
                    estimator, "model", X[input_columns(model, market)].head(5), registered_name=name
                )
                failpoint("after_mlflow_registration")
                artifact = save_model(
                    estimator,
                    model_store.models_dir,
                    name,
                    metadata={
                        "model": model,
                        "sport": sport,
                        "market": market,
                        "params": tuning.params,
                        "calibration": estimator.method_,
                        "imbalance": tuning.imbalance,
                        "cv_metrics": cv_metrics,
                        "data_hash": digest,
                        "feature_version": FEATURE_VERSION,
                        "git_commit": git_commit(),
                        "training_window": window,
                        "training_games": len(X),
                        "tuning_study": tuning.study_name,
                        "optimisation": {
                            "method": tuning.method,
                            "trials": tuning.trials_complete,
                            "pruned": tuning.trials_pruned,
                            "best_cv_log_loss": tuning.best_cv_log_loss,
                        },
                        "features": input_columns(model, market),
                        "trained_at": pd.Timestamp.now(tz="UTC").isoformat(),
                        "dagster_run_id": context.run.run_id,
                        "tuning_window": tuning.tuning_window,
                        "inputs_fingerprint": inputs,
                        "variant": variant_of(model, market),
                        "mlflow_run_id": run.info.run_id,
                        "mlflow_model_version": registered,
                    },
                )
                registry.record_version(
                    name,
                    artifact.version,
                    relative_artifact_path(name, artifact.version),
                    artifact.sha256,
                    context.run.run_id,
                    metadata_sha256=sha256_of(artifact.directory / METADATA_FILE),
                )
                mlflow.log_artifact(str(artifact.directory / METADATA_FILE))
                mlflow.set_tag("artifact_sha256", artifact.sha256)
                tag_model_version(
                    tracking.mlflow_uri,
                    name,
                    registered,
                    {
                        "sha256": artifact.sha256,
                        "artifact_version": artifact.version,
                        "dagster_run_id": context.run.run_id,
                    },
                )
                url = run_url(tracking.mlflow_ui_url, run)
            context.log.info(
                f"saved {name} v{artifact.version} ({len(X)} games, {window}, calibration: {estimator.method_})"
            )
            context.add_output_metadata(
                {
                    "version": artifact.version,
                    "path": dg.MetadataValue.path(artifact.path),
                    "sha256": artifact.sha256,
                    "training_games": len(X),
                    "training_window": window,
                    "calibration": estimator.method_,
                    **cv_metrics,
                    "mlflow_run": dg.MetadataValue.url(url),
                    "mlflow_model_version": registered,
                    "params": dg.MetadataValue.json(tuning.params),
                    "reused": False,
                }
            )
            return dg.Output(artifact, data_version=dg.DataVersion(inputs[:16]))

    return _model


model_assets = [build_model_asset(model, sport, market) for model, sport, market in candidate_assets()]

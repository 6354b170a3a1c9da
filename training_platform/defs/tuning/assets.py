"""tuning/<model>_<sport>: the best hyperparameters by time-series CV log loss, kept in Optuna storage."""

from pathlib import Path

import dagster as dg

from training_platform.defs.features.assets import GOLD_FEATURES, features_gold
from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.resources import ModelStoreResource, TrackingResource, WarehouseResource
from training_platform.ml.modeling.catalog import BACKTEST_SEASONS
from training_platform.ml.modeling.markets import MARKETS
from training_platform.sports import candidate_assets
from training_platform.storage.handoffs import TuningResult

DEFAULT_METHOD = {"elo": "grid"}  # the requirements' 27-combination Elo grid; Optuna TPE elsewhere


class TuningConfig(dg.Config):
    method: str | None = None  # "optuna" or "grid"; unset: grid for elo, optuna otherwise
    n_trials: int = 50  # finished trials the study should hold (a re-run resumes up to this)
    n_splits: int = 5
    gap_weeks: int = 0
    imbalance: str = "none"  # "class_weight" or "smotenc" (SMOTE-NC) for imbalanced targets
    # Nested evaluation: the last seasons that reports/<model>_<sport> backtests are held out, so the
    # hyperparameters that score a backtest game were chosen without it. Keep >= the report's seasons.
    holdout_seasons: int = BACKTEST_SEASONS
    # Processes sharing the study through its storage (Optuna's distributed optimisation): with an RDB
    # study (TP_OPTUNA_STORAGE=postgresql://...) processes on other hosts can join it the same way.
    workers: int = 1


DEFAULT_CV = tuple(TuningConfig.model_fields[name].default for name in ("n_splits", "gap_weeks"))


def build_tuning_asset(model: str, sport: str, market: str = "moneyline") -> dg.AssetsDefinition:
    name = MARKETS[market].asset_name(model, sport)

    @dg.asset(
        key=["tuning", name],
        deps=[features_gold],
        group_name="tuning",
        owners=OWNERS,
        code_version=CODE_VERSION,
        kinds={"optuna", "mlflow"},
        description=f"Hyperparameters of {model} for {sport.upper()} {MARKETS[market].label}: mean log loss over expanding-window "
        f"folds of the game weeks before the backtest window (holdout_seasons), searched as in "
        f"training_platform/ml/modeling/search_spaces/{model}.yaml.",
    )
    def _tuning(
        context: dg.AssetExecutionContext,
        config: TuningConfig,
        warehouse: WarehouseResource,
        tracking: TrackingResource,
        model_store: ModelStoreResource,
    ) -> TuningResult:
        import mlflow

        from training_platform.ml.evaluation.backtest import backtest_seasons, game_window
        from training_platform.ml.features.columns import FEATURE_VERSION
        from training_platform.ml.modeling.journal import mend_journal
        from training_platform.ml.modeling.training import default_splitter, training_rows
        from training_platform.ml.modeling.tuning import search_space, seed_for, tune
        from training_platform.ml.modeling.zoo import make_model
        from training_platform.ml.provenance import data_hash, git_commit
        from training_platform.ml.reporting.plots import history_plot_png, png_data_uri
        from training_platform.ml.tracking import TrialLogger, run_url

        if config.n_trials < 1 or config.n_splits < 2 or config.holdout_seasons < 1 or config.gap_weeks < 0:
            raise dg.Failure(
                f"tuning/{name} config: n_trials must be >= 1 (got {config.n_trials}), n_splits >= 2 "
                f"(got {config.n_splits}), holdout_seasons >= 1 (got {config.holdout_seasons}) and "
                f"gap_weeks >= 0 (got {config.gap_weeks})"
            )
        if config.workers < 1:
            raise dg.Failure(f"tuning/{name} config: workers must be >= 1 (got {config.workers})")
        gold = warehouse.read(GOLD_FEATURES, sport)
        X, y, weeks = training_rows(gold, market)
        held_out = backtest_seasons(gold, config.holdout_seasons)
        before = (X["season"] < held_out[0]).to_numpy()
        X, y, weeks = X[before].reset_index(drop=True), y[before], weeks[before]
        window = game_window(X)
        method = config.method or DEFAULT_METHOD.get(model, "optuna")
        digest = data_hash(X)
        # One study per data version and objective: an interrupted run resumes; new data, or another CV
        # (whose trials' fold losses could not be compared), starts a fresh study.
        imbalance = "" if config.imbalance == "none" else f"-{config.imbalance}"
        cv = (config.n_splits, config.gap_weeks)
        folds = "" if cv == DEFAULT_CV else f"-cv{config.n_splits}g{config.gap_weeks}"
        study_name = f"{name}-{method}{imbalance}{folds}-{FEATURE_VERSION}-{digest[:12]}"
        tags = {
            "asset": f"tuning/{name}",
            "data_hash": digest,
            "feature_version": FEATURE_VERSION,
            "git_commit": git_commit(),
            "dagster_run_id": context.run.run_id,
        }
        context.log.info(
            f"tuning {name} by {method} on {len(X)} games of {window['first_game_date']}.."
            f"{window['last_game_date']} (seasons {held_out[0]}-{held_out[-1]} held out for the "
            f"backtest), study {study_name}"
        )
        if "://" not in tracking.optuna_storage:  # a damaged journal is said before any run is recorded
            mend_journal(Path(tracking.optuna_storage), context.log.warning)
        with tracking.run(f"tuning/{name}", tags) as run:
            estimator = make_model(
                model, sport, seed=seed_for(name), imbalance=config.imbalance, market=market
            )
            trial_logger = TrialLogger()
            try:
                result = tune(
                    estimator,
                    search_space(model, sport, market),
                    X,
                    y,
                    weeks,
                    default_splitter(config.n_splits, config.gap_weeks),
                    method=method,
                    n_trials=config.n_trials,
                    storage=tracking.optuna_storage,
                    workers=config.workers,
                    study_name=study_name,
                    seed=seed_for(f"tuning/{name}"),
                    log=context.log.info,
                    on_trial=trial_logger,
                    user_attrs={
                        "tuning_window": window,
                        "tuning_games": len(X),
                        "held_out_seasons": held_out,
                    },
                )
            finally:
                trial_logger.close()
            mlflow.log_params({f"best.{k}": v for k, v in result.best_params.items()})
            mlflow.log_metrics(
                {
                    "best_cv_log_loss": result.best_score,
                    "trials_complete": result.trials_complete,
                    "trials_pruned": result.trials_pruned,
                }
            )
            plot = model_store.open().tuning_plot(name, study_name)
            plot.parent.mkdir(parents=True, exist_ok=True)
            history_png = history_plot_png(result.history, f"tuning/{name}")
            plot.write_bytes(history_png)
            mlflow.log_artifact(str(plot))
            url = run_url(tracking.mlflow_ui_url, run)
        context.add_output_metadata(
            {
                "best_cv_log_loss": result.best_score,
                "method": method,
                "trials_complete": result.trials_complete,
                "trials_pruned": result.trials_pruned,
                "trials_this_run": result.trials_this_run,
                "study": study_name,
                "best_params": dg.MetadataValue.json(result.best_params),
                "tuning_window": f"{window['first_game_date']}..{window['last_game_date']}",
                "tuning_games": len(X),
                "mlflow_run": dg.MetadataValue.url(url),
                "optimisation_history": dg.MetadataValue.md(
                    f"![optimisation history]({png_data_uri(history_png)})"
                ),
                "optimisation_history_file": dg.MetadataValue.path(str(plot)),
            }
        )
        return TuningResult(
            model=model,
            sport=sport,
            params=result.best_params,
            best_cv_log_loss=result.best_score,
            method=method,
            study_name=study_name,
            data_hash=digest,
            n_splits=config.n_splits,
            imbalance=config.imbalance,
            tuning_window=window,
            held_out_seasons=list(held_out),
            trials_complete=result.trials_complete,
            trials_pruned=result.trials_pruned,
        )

    return _tuning


tuning_assets = [build_tuning_asset(model, sport, market) for model, sport, market in candidate_assets()]

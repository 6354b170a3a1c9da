"""models/<model>_<sport>: a fitted model saved as a versioned, SHA-256-recorded artifact."""


import dagster as dg

from training_platform.defs.features.assets import GOLD_TABLE, features_gold
from training_platform.defs.resources import ModelStoreResource, WarehouseResource
from training_platform.ml.artifacts import ModelArtifact, save_model
from training_platform.ml.estimators import EloClassifier
from training_platform.ml.features import DEFAULT_ELO, FEATURE_VERSION
from training_platform.ml.provenance import data_hash, git_commit
from training_platform.sources.schema import SPORTS


def elo_estimator(sport: str) -> EloClassifier:
    params = DEFAULT_ELO[sport]
    return EloClassifier(params.k_factor, params.home_advantage, params.mean_reversion,
                         params.initial_rating, params.margin_multiplier)


def build_elo_model_asset(sport: str) -> dg.AssetsDefinition:
    name = f"elo_{sport}"

    @dg.asset(
        key=["models", name],
        deps=[features_gold],
        group_name="models",
        kinds={"scikit-learn"},
        description=f"{sport.upper()} moneyline Elo classifier fitted on every played game in features/gold.",
    )
    def _model(context: dg.AssetExecutionContext, warehouse: WarehouseResource, model_store: ModelStoreResource) -> ModelArtifact:
        gold = warehouse.open().read(GOLD_TABLE, sport)
        played = gold[gold["home_margin"].notna()] if not gold.empty else gold
        if played.empty:
            raise dg.Failure(f"features/gold has no played {sport} games; materialize raw/games and features/gold first")
        estimator = elo_estimator(sport).fit(played, played["home_win"])
        window = f"{played['game_date'].min():%Y-%m-%d}..{played['game_date'].max():%Y-%m-%d}"
        artifact = save_model(estimator, model_store.models_dir, name, metadata={
            "model": "elo", "sport": sport, "market": "moneyline",
            "params": estimator.get_params(), "data_hash": data_hash(played),
            "feature_version": FEATURE_VERSION, "git_commit": git_commit(),
            "training_window": window, "training_games": len(played), "dagster_run_id": context.run.run_id,
        })
        context.log.info(f"saved {name} v{artifact.version} ({len(played)} games, {window}) to {artifact.path}")
        context.add_output_metadata({
            "version": artifact.version, "path": dg.MetadataValue.path(artifact.path),
            "sha256": artifact.sha256, "training_games": len(played), "training_window": window,
            "params": dg.MetadataValue.json(estimator.get_params()),
        })
        return artifact

    return _model


model_assets = [build_elo_model_asset(sport) for sport in SPORTS]

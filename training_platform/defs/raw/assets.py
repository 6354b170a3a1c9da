"""raw/games: the source's games for each sport-week, stored in DuckDB; bad rows quarantined."""

import datetime as dt

import dagster as dg

from training_platform.defs.ownership import CODE_VERSION, OWNERS
from training_platform.defs.partitions import selected_weeks, sport_week_partitions
from training_platform.defs.resources import GamesSourceResource, WarehouseResource
from training_platform.failpoints import INGEST_POINT, failpoint
from training_platform.sources.rules import MIN_SPREAD_AGREEMENT, RULES, SPREAD_CHECK
from training_platform.storage.tables import table_for

RAW_GAMES = dg.AssetKey(["raw", "games"])
RAW_TABLE = table_for(RAW_GAMES.path)
QUARANTINE_TABLE = f"{RAW_TABLE}_quarantine"  # written with it, in the same transaction
CORRECTIONS_TABLE = f"{RAW_TABLE}_corrections"  # every stored game a run let a source delete or change


class RawGamesConfig(dg.Config):
    # Quarantine already keeps bad rows out of the warehouse, so a few of them are a warning (the
    # rows are listed on the check); only a larger share of a sport's rows in the run blocks features/gold.
    max_quarantined_share: float = 0.01
    # A source with no games for a week that has stored games, or one that shrank by more than this
    # share of the stored games, is refused: nothing is written. allow_delete says you mean it.
    max_source_shrink: float = 0.1
    allow_delete: bool = False
    # A stored played game whose result, teams, date or closing lines the source now blanks or changes is
    # refused unless the run says the source corrects it; each correction is then recorded with the old
    # value in raw_games_corrections.
    allow_corrections: bool = False
    # Team codes the source may newly use (an expansion or a renamed franchise). Without them a game
    # naming a team that is neither the source's franchise list nor already stored is quarantined.
    accept_new_teams: list[str] = []


@dg.asset(
    key=RAW_GAMES,
    partitions_def=sport_week_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="raw",
    owners=OWNERS,
    code_version=CODE_VERSION,
    kinds={"duckdb", "pandas"},
    description="Games of one sport and week as the configured source gives them. "
    f"Rows failing a data-quality rule go to `{QUARANTINE_TABLE}` with their reason.",
    check_specs=[
        dg.AssetCheckSpec(
            SPREAD_CHECK,
            asset=RAW_GAMES,
            blocking=True,
            description=f"the spread's sign names the moneyline favourite in at least "
            f"{MIN_SPREAD_AGREEMENT:.0%} of games (spread_line > 0: home favoured); a flipped file "
            "would invert a feature and the against-the-spread target",
        ),
        *(
            dg.AssetCheckSpec(
                rule,
                asset=RAW_GAMES,
                blocking=True,
                description=f"{text}; blocks downstream only when the run quarantines more than "
                "max_quarantined_share (default 1%) of a sport's rows",
            )
            for rule, text in RULES.items()
        ),
    ],
)
def raw_games(
    context: dg.AssetExecutionContext,
    config: RawGamesConfig,
    games_source: GamesSourceResource,
    warehouse: WarehouseResource,
):
    import pandas as pd

    from training_platform.sources.quality import (
        deleted_and_changed,
        describe_losses,
        find_problems,
        keep_stored_versions,
        loss_refusal,
        split_valid,
        spread_agreement,
        stored_game_losses,
    )
    from training_platform.sources.rules import MIN_SPREAD_GAMES
    from training_platform.sources.weeks import week_start

    for name in ("max_quarantined_share", "max_source_shrink"):
        if not 0.0 <= getattr(config, name) <= 1.0:
            raise dg.Failure(f"{name} must be a share between 0 and 1, got {getattr(config, name)}")
    store = warehouse.open()
    today = dt.datetime.now(dt.UTC).date()
    stored = quarantined = 0
    shares: dict[str, float] = {}  # per sport: one sport's bad rows never hide under another's volume
    spreads: dict[str, tuple[int, float]] = {}
    problems_by_rule: dict[str, list[pd.DataFrame]] = {rule: [] for rule in RULES}
    pending = []  # every sport is read and checked before anything is written
    losses: list[str] = []  # stored games a source would delete or rewrite
    for sport, weeks in selected_weeks(context).items():
        history = games_source.games(sport)  # schema errors raise here, before anything is written
        history = history.assign(partition_week=week_start(history["game_date"]).to_numpy())
        incoming = history[history["partition_week"].isin(pd.to_datetime(weeks))].reset_index(drop=True)
        refusal = loss_refusal(
            games_source.describe(sport),
            len(history),
            incoming["partition_week"].dt.strftime("%Y-%m-%d").value_counts().to_dict(),
            store.week_counts(RAW_TABLE, sport),
            weeks,
            config.allow_delete,
            config.max_source_shrink,
        )
        if refusal:
            raise dg.Failure(f"{sport}: {refusal}")
        elsewhere = {
            game_id: week
            for game_id, week in store.game_weeks(
                RAW_TABLE, sport, incoming["game_id"].dropna().tolist()
            ).items()
            if dt.date.fromisoformat(week) not in set(weeks)
        }
        problems = find_problems(
            incoming, weeks, _known_teams(games_source, store, sport, config), today, elsewhere
        )
        valid, bad = split_valid(incoming, problems)
        stored_rows = store.read(RAW_TABLE, sport, since=min(weeks), before=max(weeks) + dt.timedelta(days=7))
        if not stored_rows.empty:
            stored_rows = stored_rows[stored_rows["partition_week"].isin(pd.to_datetime(weeks))]
        valid, bad = keep_stored_versions(valid, bad, stored_rows)  # a failing row keeps its stored game
        omitted, changed = stored_game_losses(valid, stored_rows)
        refused = describe_losses(
            games_source.describe(sport),
            omitted.iloc[0:0] if config.allow_delete else omitted,
            changed.iloc[0:0] if config.allow_corrections else changed,
        )
        if refused:  # said after the spread check, whose cause (a flipped file) is the likelier one
            losses.append(f"{sport}: " + " ".join(refused))
        if not changed.empty and config.allow_corrections:
            context.log.warning(
                f"{sport}: {len(changed)} stored value(s) of played games corrected by the source (allow_corrections); "
                f"the old values are kept in {CORRECTIONS_TABLE}"
            )
        corrections = deleted_and_changed(omitted, changed).assign(sport=sport, run_id=context.run.run_id)
        pending.append((sport, weeks, valid, bad, corrections))
        stored, quarantined = stored + len(valid), quarantined + len(bad)
        shares[sport] = len(bad) / max(len(valid) + len(bad), 1)
        spreads[sport] = spread_agreement(valid)
        for rule, rows in problems.groupby("rule"):
            problems_by_rule[rule].append(
                incoming.loc[rows["row"], ["game_id", "game_date", "home_team", "away_team"]].assign(
                    reason=rows["reason"].to_numpy()
                )
            )

    flipped = {
        sport: share
        for sport, (n, share) in spreads.items()
        if n >= MIN_SPREAD_GAMES and share < MIN_SPREAD_AGREEMENT
    }
    spread_check = dg.AssetCheckResult(
        check_name=SPREAD_CHECK,
        passed=not flipped,
        severity=dg.AssetCheckSeverity.ERROR,
        description="spread signs agree with the moneyline favourites"
        if not flipped
        else "the spread's sign disagrees with the moneyline favourite in "
        + ", ".join(
            f"{sport}: {1 - share:.1%} of {spreads[sport][0]} games" for sport, share in flipped.items()
        )
        + "; is the source's spread from the away team's side? Flip it (spread_line > 0: home favoured)",
        metadata={
            "agreement": dg.MetadataValue.json(
                {s: {"games": n, "share": None if n == 0 else round(a, 4)} for s, (n, a) in spreads.items()}
            )
        },
    )
    if flipped:  # a flipped file would overwrite good stored spreads: refuse before writing anything
        yield spread_check
        sources = ", ".join(games_source.describe(sport) for sport in flipped)
        raise dg.Failure(
            f"{sources}: {spread_check.description}. Nothing was written; the stored games are unchanged."
        )
    if losses:
        raise dg.Failure(" ".join(losses) + " Nothing was written.")
    for sport, weeks, valid, bad, corrections in pending:
        ingested_at = pd.Timestamp.now(tz="UTC").tz_localize(None)
        store.replace_weeks(
            {
                RAW_TABLE: valid.assign(ingested_at=ingested_at),
                QUARANTINE_TABLE: bad.assign(ingested_at=ingested_at, run_id=context.run.run_id),
            },
            sport,
            weeks,
            appends={CORRECTIONS_TABLE: corrections.assign(corrected_at=ingested_at)}
            if len(corrections)
            else None,
        )
        context.log.info(f"{sport}: {len(weeks)} week(s), {len(valid)} games stored, {len(bad)} quarantined")
    failpoint(INGEST_POINT)  # the crash tests kill here: raw written, features/gold not yet

    share = max(shares.values(), default=0.0)
    blocking = share > config.max_quarantined_share
    if quarantined:
        context.log.warning(
            f"{quarantined} of {stored + quarantined} rows quarantined (at most {share:.2%} of a "
            "sport's rows); " + ("above" if blocking else "within") + f" max_quarantined_share "
            f"{config.max_quarantined_share:.2%}, so downstream assets "
            + ("are blocked" if blocking else "still run")
        )
    yield dg.MaterializeResult(
        metadata={
            "games_stored": stored,
            "games_quarantined": quarantined,
            "quarantined_share": dg.MetadataValue.json(shares),
            "table": RAW_TABLE,
            "warehouse": dg.MetadataValue.path(store.path),
        }
    )
    yield spread_check
    for rule, text in RULES.items():
        failing = pd.concat(problems_by_rule[rule]) if problems_by_rule[rule] else pd.DataFrame()
        yield dg.AssetCheckResult(
            check_name=rule,
            passed=failing.empty,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            description=text
            if failing.empty
            else f"{len(failing)} row(s) quarantined in {QUARANTINE_TABLE}"
            + (
                f"; {share:.2%} of a sport's rows in this run are quarantined, above the {config.max_quarantined_share:.2%} "
                "that may pass: downstream assets are blocked"
                if blocking
                else "; within max_quarantined_share, so downstream assets still run"
            ),
            metadata={
                "failing_rows": len(failing),
                "examples": dg.MetadataValue.md(
                    failing.head(10).astype(str).to_markdown(index=False) if not failing.empty else "none"
                ),
            },
        )


def _known_teams(
    games_source: GamesSourceResource, store, sport: str, config: RawGamesConfig
) -> set[str] | None:
    """The source's franchise list, or for a plain CSV the teams already stored (None before the first
    ingest: there is nothing to compare with), plus the codes the run config accepts."""
    known = games_source.known_teams(sport)
    known = set(known) if known is not None else store.teams(RAW_TABLE, sport)
    return (known | set(config.accept_new_teams)) if known else None

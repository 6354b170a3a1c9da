"""Metric gates a candidate's walk-forward report must pass before it may become the production
model. The comparison with the current champion is made by `champion_choice`, on common games."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

from training_platform.ml.modeling.markets import MARKETS as MARKET_SPECS
from training_platform.settings import Settings
from training_platform.sports import SPORTS
from training_platform.yaml_files import read_yaml

DEFAULT_GATES_FILE = Path(__file__).resolve().parents[2] / "gates.yaml"


@dataclass(frozen=True)
class GateThresholds:
    min_games: int = 100
    min_accuracy: float = 0.60
    min_precision: float = 0.55
    min_recall: float = 0.50
    min_f1: float = 0.52
    max_ece: float = 0.05
    max_log_loss_vs_constant: float = 0.0
    champion_tolerance: float = 0.002
    # Market-aware candidates: the 95% lower bound of (model log loss - the closing line's) on the same games
    # must not exceed this, i.e. the model is not worse than the market it reads beyond noise.
    max_log_loss_vs_market: float = 0.0
    # Off unless a gates file sets them (None): a forecaster no better than the market loses the vig, so a
    # betting gate on by default would block every honest model; set them for a model meant for betting.
    min_roi_lower_bound: float | None = None  # flat-stake ROI's 95% lower bound against the closing odds
    max_drawdown_units: float | None = None  # largest fall of the flat-stake bankroll, in units


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    value: float
    threshold: float
    rule: str
    note: str = ""

    def describe(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        note = f"; {self.note}" if self.note else ""
        shown = f"{self.value:.4f}" if isinstance(self.value, (int, float)) else str(self.value)
        return f"{verdict}: {shown} vs {self.threshold} ({self.rule}{note})"


# The markets candidates are trained and gated for; a gates file naming another is a typo.
MARKETS = tuple(MARKET_SPECS)


def gates_file_path() -> Path:
    """TP_GATES_FILE, else the package's gates.yaml."""
    return Path(Settings.from_env().gates_file or DEFAULT_GATES_FILE)


def load_thresholds(
    sport: str,
    market: str = "moneyline",
    path: str | Path | None = None,
    variant: str | None = None,
) -> GateThresholds:
    """Thresholds for one sport, market and variant: the file's defaults, overridden per market (`markets`),
    per variant (`variants`), then per sport and market (`sports.<sport>.<market>`, whose own
    `market_free` / `market_aware` mapping overrides it for one variant). The whole file is validated, so a
    typo elsewhere is caught now, not when it runs."""
    path = Path(path) if path else gates_file_path()
    try:
        config = read_yaml(path, "gates file") or {}
    except FileNotFoundError:
        raise FileNotFoundError(f"gates file {path} does not exist (TP_GATES_FILE)") from None
    if not isinstance(config, dict) or set(config) - set(SECTIONS):
        raise ValueError(
            f"gates file {path} must be a mapping with only {', '.join(f'`{s}`' for s in SECTIONS)}, "
            f"not {sorted(config) if isinstance(config, dict) else type(config).__name__}"
        )
    _check_settings(path, "defaults", config.get("defaults") or {})
    per_market = _named_sections(path, config, "markets", MARKETS)
    per_variant = _named_sections(path, config, "variants", VARIANTS)
    sports = config.get("sports") or {}
    if not isinstance(sports, dict):
        raise ValueError(
            f"{path}: sports must be a mapping of sport to markets' gate settings, not {sports!r}"
        )
    own: dict = {}
    for name, markets in sports.items():
        if not isinstance(markets or {}, dict):
            raise ValueError(
                f"{path}: sports.{name} must be a mapping of market to gate settings, not {markets!r}"
            )
        if name not in SPORTS and path == DEFAULT_GATES_FILE:
            continue  # the package's MLB override, under a sports file without MLB
        if name not in SPORTS:
            raise ValueError(f"{path}: sports.{name}: unknown sport; known: {', '.join(SPORTS)}")
        for market_name, settings in (markets or {}).items():
            if market_name not in MARKETS:
                raise ValueError(
                    f"{path}: sports.{name}.{market_name}: unknown market; known: {', '.join(MARKETS)}"
                )
            settings = dict(settings or {}) if isinstance(settings, dict) else settings
            variants = {
                v: settings.pop(v) or {} for v in VARIANTS if isinstance(settings, dict) and v in settings
            }
            _check_settings(path, f"sports.{name}.{market_name}", settings or {})
            for v, variant_settings in variants.items():
                _check_settings(path, f"sports.{name}.{market_name}.{v}", variant_settings)
            own[(name, market_name)] = (settings or {}, variants)
    if sport not in SPORTS or market not in MARKETS or variant not in (None, *VARIANTS):
        raise ValueError(
            f"no gates for sport {sport!r} market {market!r} variant {variant!r}: sports are "
            f"{', '.join(SPORTS)}, markets {', '.join(MARKETS)}, variants {', '.join(VARIANTS)}"
        )
    sport_market, sport_variants = own.get((sport, market), ({}, {}))
    merged = {
        **(config.get("defaults") or {}),
        **(per_market.get(market) or {}),
        **(per_variant.get(variant) or {}),
        **sport_market,
        **(sport_variants.get(variant) or {}),
    }
    return replace(GateThresholds(), **merged)


SECTIONS = ("defaults", "markets", "variants", "sports")
VARIANTS = ("market_free", "market_aware")


def _named_sections(path: Path, config: dict, section: str, known: tuple[str, ...]) -> dict:
    """`markets` or `variants`: name -> settings, each name known and each setting valid."""
    named = config.get(section) or {}
    if not isinstance(named, dict):
        raise ValueError(f"{path}: {section} must be a mapping of {'/'.join(known)} to gate settings")
    for name, settings in named.items():
        if name not in known:
            singular = section.rstrip("s")
            raise ValueError(f"{path}: {section}.{name}: unknown {singular}; known: {', '.join(known)}")
        _check_settings(path, f"{section}.{name}", settings or {})
    return named


def _check_settings(path: Path, where: str, settings) -> None:
    if not isinstance(settings, dict):
        raise ValueError(f"{path}: {where} must be a mapping of gate settings, not {settings!r}")
    known = {f.name for f in fields(GateThresholds)}
    unknown = set(settings) - known
    if unknown:
        raise ValueError(
            f"{path}: {where}: unknown gate setting(s) {sorted(unknown)}; known: {sorted(known)}"
        )
    for key, value in settings.items():
        if value is None and key in OPTIONAL_GATES:
            continue  # null switches an optional gate off (e.g. for one sport)
        low, high = RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{path}: {where}.{key} = {value!r} must be a number in [{low}, {high}]")


OPTIONAL_GATES = ("min_roi_lower_bound", "max_drawdown_units")
# The values each threshold may take: shares are shares, counts are counts.
RANGES = {
    "min_games": (0, 10**7),
    "min_accuracy": (0.0, 1.0),
    "min_precision": (0.0, 1.0),
    "min_recall": (0.0, 1.0),
    "min_f1": (0.0, 1.0),
    "max_ece": (0.0, 1.0),
    "max_log_loss_vs_constant": (-1.0, 1.0),
    "champion_tolerance": (0.0, 1.0),
    "max_log_loss_vs_market": (-1.0, 1.0),
    "min_roi_lower_bound": (-1.0, 10.0),
    "max_drawdown_units": (0.0, 10**7),
}


def evaluate_gates(report: dict, thresholds: GateThresholds = GateThresholds()) -> list[GateResult]:
    """Every threshold gate on a walk-forward report."""
    model = report["model"]
    constant = report["baselines"]["constant_home_rate"]
    return [
        GateResult(
            "enough_games",
            report["games"] >= thresholds.min_games,
            report["games"],
            thresholds.min_games,
            "out-of-sample games >= threshold",
        ),
        *(
            _at_least(metric, model[metric], getattr(thresholds, f"min_{metric}"))
            for metric in ("accuracy", "precision", "recall", "f1")
        ),
        _at_most("ece", model["ece"], thresholds.max_ece, "expected calibration error <= threshold"),
        _below(
            "beats_constant_baseline",
            constant["model_on_same_games"]["log_loss"] - constant["log_loss"],
            thresholds.max_log_loss_vs_constant,
            "log loss minus the constant home-win rate's < threshold",
        ),
        *_market_gates(report, thresholds),
    ]


def _market_gates(report, thresholds: GateThresholds) -> list[GateResult]:
    """The trader's gates: the market comparison for market-aware candidates, and the betting gates a
    gates file switches on."""
    gates = []
    market = report["baselines"].get("market")
    if market is not None and (report.get("variant") or "market_aware") == "market_aware":
        paired = market.get("model_minus_this") or {}
        if "log_loss_diff" in paired:
            low = paired["log_loss_diff"] - 1.96 * paired["log_loss_diff_se"]
            note = f"mean {paired['log_loss_diff']:+.4f} ± {paired['log_loss_diff_se']:.4f} on {paired['games']} games"
        elif paired:  # fewer than two games with a line: nothing to compare, and nothing vouched for
            low, note = float("nan"), f"not measured: {paired.get('games', 0)} game(s) with a closing line"
        else:  # a report from before this gate: it cannot vouch for itself
            low, note = float("nan"), "not measured: re-materialize the report"
        gates.append(
            GateResult(
                "no_worse_than_market",
                _finite(low) and low <= thresholds.max_log_loss_vs_market,
                low,
                thresholds.max_log_loss_vs_market,
                "market-aware: 95% lower bound of log loss minus the closing line's <= threshold",
                note,
            )
        )
    betting = report.get("betting") or {}
    if thresholds.min_roi_lower_bound is not None:
        value = betting.get("roi_lower_95", float("nan"))
        gates.append(
            GateResult(
                "roi_lower_bound",
                _finite(value) and value >= thresholds.min_roi_lower_bound,
                value,
                thresholds.min_roi_lower_bound,
                "flat-stake ROI's 95% lower bound >= threshold",
                f"{betting.get('bets', 0)} bets",
            )
        )
    if thresholds.max_drawdown_units is not None:
        measured = betting.get("bets", 0) > 0  # no bets: no drawdown was measured, so none is vouched for
        gates.append(
            _at_most(
                "max_drawdown",
                betting.get("max_drawdown_units", float("nan")) if measured else float("nan"),
                thresholds.max_drawdown_units,
                "flat-stake drawdown in units <= threshold",
            )
        )
    return gates


def _at_least(metric: str, value: float, threshold: float) -> GateResult:
    return GateResult(
        metric, _finite(value) and value >= threshold, value, threshold, f"{metric} >= threshold"
    )


def _at_most(name: str, value: float, threshold: float, rule: str) -> GateResult:
    return GateResult(name, _finite(value) and value <= threshold, value, threshold, rule)


def _below(name: str, value: float, threshold: float, rule: str) -> GateResult:
    return GateResult(name, _finite(value) and value < threshold, value, threshold, rule)


def _finite(value) -> bool:
    return value is not None and math.isfinite(float(value))


def all_passed(results: list[GateResult]) -> bool:
    return all(r.passed for r in results)

"""Which finished trial a search returns: the best, or by the one-standard-error rule the simplest near it.

Optuna returns the trial of least CV log loss. Where a search space says which way is simpler
(`prefer: {alpha: high}`: more pull towards the market), the rule of Breiman et al. (1984), glmnet's
`lambda.1se`, applies instead: of the trials whose CV log loss exceeds the best's by no more than one
standard error, the simplest. A small edge found by the search is mostly noise, and for market_correction
noise means straying from the line. The standard error is that of the per-fold difference to the best
trial: the folds are seasons of unequal difficulty, which pairing cancels. Optuna has no such rule, and
scikit-learn shows it only as an example refit callable for its own searches.
"""

from __future__ import annotations

import numpy as np
import optuna

DIRECTIONS = ("high", "low")


def fold_log_losses(trial: optuna.trial.FrozenTrial) -> np.ndarray:
    """Each fold's log loss, from the running means the objective reports after each fold."""
    running = [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)]
    return np.array([(k + 1) * mean - k * (running[k - 1] if k else 0.0) for k, mean in enumerate(running)])


def check_preference(prefer, params: set[str]) -> tuple[str, str] | None:
    """The space's `prefer` as (parameter, direction), or None; a malformed one is refused by name."""
    if prefer is None:
        return None
    if not isinstance(prefer, dict) or len(prefer) != 1:
        raise ValueError(
            f"search space 'prefer' must name one parameter, e.g. {{alpha: high}}; got {prefer!r}"
        )
    ((name, direction),) = prefer.items()
    if name not in params or direction not in DIRECTIONS:
        raise ValueError(
            f"search space 'prefer: {{{name}: {direction}}}' must name a searched parameter "
            f"({sorted(params)}) and one of {DIRECTIONS}"
        )
    return name, direction


def choose_trial(
    trials: list[optuna.trial.FrozenTrial], prefer: tuple[str, str] | None
) -> tuple[optuna.trial.FrozenTrial, str]:
    """The chosen trial among finished ones, and a line saying why (empty when it is simply the best)."""
    best = min(trials, key=lambda trial: trial.value)
    if prefer is None:
        return best, ""
    name, direction = prefer
    base = fold_log_losses(best)
    near = []  # (trial, mean difference to the best, its standard error)
    for trial in trials:
        folds = fold_log_losses(trial)
        if len(folds) != len(base) or len(base) < 2:
            continue  # a trial scored on other folds (an older study's) cannot be paired
        difference = folds - base
        standard_error = difference.std(ddof=1) / np.sqrt(len(difference))
        if difference.mean() <= standard_error:
            near.append((trial, difference.mean(), standard_error))
    if not near:
        return best, ""
    sign = 1.0 if direction == "high" else -1.0
    chosen, mean, standard_error = max(near, key=lambda item: sign * item[0].params[name])
    if chosen is best:
        return best, ""
    return chosen, (
        f"{name}={chosen.params[name]:.6g} chosen over the best {name}={best.params[name]:.6g} "
        f"(CV log loss {best.value:.5f}) by the one-standard-error rule: {mean:+.5f} ± {standard_error:.5f} "
        f"per fold, and {'more' if direction == 'high' else 'less'} {name} is simpler"
    )

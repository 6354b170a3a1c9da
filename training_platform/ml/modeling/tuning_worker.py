"""A helper process of a shared study (tuning config `workers` > 1), started by `tune`:
`python -m training_platform.ml.modeling.tuning_worker PAYLOAD` runs trials until the quota is taken."""

import sys

from training_platform.ml.modeling.tuning import run_helper

if __name__ == "__main__":
    run_helper(sys.argv[1])

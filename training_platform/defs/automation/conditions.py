"""Declarative automation shared by the assets downstream of the training runs."""

import dagster as dg

# Materialize in a run of its own once any upstream asset has a newer materialization and none
# is still running. `eager()` would also wait for every upstream partition to exist, which a
# weekly-partitioned history with empty weeks never satisfies.
AFTER_UPSTREAM_UPDATES = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after an upstream update")

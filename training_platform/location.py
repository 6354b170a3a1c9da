"""The code location's name, as pyproject's [tool.dagster], workspace.yaml and [tool.dg] give it."""

LOCATION = "training_platform.definitions"
REPOSITORY = "__repository__"  # the repository a Definitions object becomes
# The hidden tag the UI's job pages filter runs by. Runs that `tp` and the demo execute in their own process
# carry it, so they are listed under their job; the Overview timeline also wants a launch origin, which only
# runs launched through the webserver or daemon have.
JOB_PAGE_TAGS = {".dagster/repository": f"{REPOSITORY}@{LOCATION}"}

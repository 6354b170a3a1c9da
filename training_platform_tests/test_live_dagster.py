"""The product as a user meets it under `dagster dev`: a real webserver and daemon on a free local port, a
run launched through the GraphQL client, the automation-condition sensor promoting after the passing
report, and the UI driven in headless Chromium (screenshots under UI_SCREENSHOTS_DIR, else a temp folder;
`.ci/run` keeps them as CI artifacts in data/ui-screenshots/)."""

import os
import re
from pathlib import Path

import dagster as dg
import pytest

from training_platform.location import JOB_PAGE_TAGS
from training_platform.remote import RemoteRunFailed, RemoteTraining
from training_platform.sources.weeks import weeks_covering
from training_platform_tests.conftest import make_resources
from training_platform_tests.live_dagster import prepare_home, start_dagster_dev
from training_platform_tests.test_lineage import ingest

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
SEASONS = "3"
QUICK_TUNING = {"ops": {"tuning__elo_nfl": {"config": {"n_trials": 4}}}}
AUTOMATION_SENSOR = "default_automation_condition_sensor"
LINEAGE = ["raw/games", "features/gold", "tuning/elo_nfl", "models/elo_nfl", "reports/elo_nfl"]
LINEAGE += ["production/nfl", "predictions/nfl"]

LATEST = """query ($path: [String!]!) { assetOrError(assetKey: {path: $path}) {
  ... on Asset { assetMaterializations(limit: 1) { runId } } } }"""
RUN = """query ($runId: ID!) { runOrError(runId: $runId) { ... on Run {
  jobName status tags { key value } repositoryOrigin { repositoryLocationName } } } }"""
# what the job's page in the UI asks for: its runs tagged with the code location's repository
JOB_RUNS = """query ($job: String!, $repository: String!) { runsOrError(filter: {pipelineName: $job,
  tags: [{key: ".dagster/repository", value: $repository}]}) {
  ... on Runs { results { runId repositoryOrigin { repositoryLocationName } } } } }"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Three synthetic NFL seasons ingested into the instance and data folder `dagster dev` then serves.
    The gates file relaxes calibration: three seasons' Elo is ~0.066 ECE, and the test is of the surfaces."""
    root = tmp_path_factory.mktemp("live")
    home, data = root / "home", root / "data"
    resources = make_resources(data, seasons=int(SEASONS))
    games = resources["games_source"].games("nfl")
    weeks = weeks_covering(games["game_date"].min().date(), games["game_date"].max().date())
    with dg.DagsterInstance.from_config(str(prepare_home(home))) as instance:
        assert ingest(resources, instance, "nfl", weeks).success
    (root / "gates.yaml").write_text("defaults:\n  max_ece: 0.10\n")
    live = start_dagster_dev(
        home,
        data,
        TP_SYNTHETIC_SEASONS=SEASONS,
        TP_SPORTS="nfl",
        TP_CANDIDATES="elo",
        TP_GATES_FILE=str(root / "gates.yaml"),
    )
    yield live
    live.stop()


def latest_run(live, key: str) -> str | None:
    found = live.graphql(LATEST, {"path": key.split("/")})["assetOrError"]["assetMaterializations"]
    return found[0]["runId"] if found else None


@pytest.fixture(scope="module")
def trained(served):
    """Elo's tuning → models → reports launched through the GraphQL client, then whatever automation did."""
    remote = RemoteTraining("127.0.0.1", served.port)
    run_id = remote.train("nfl", "elo", run_config=QUICK_TUNING)
    remote.wait(run_id, timeout=600)
    return run_id


def test_a_remote_training_run_is_the_code_locations_job_and_automation_promotes_after_it(served, trained):
    run = served.graphql(RUN, {"runId": trained})["runOrError"]
    assert run["jobName"] == "train_nfl_job" and run["status"] == "SUCCESS"
    assert run["repositoryOrigin"]["repositoryLocationName"] == "training_platform.definitions"
    page = {"job": "train_nfl_job", "repository": JOB_PAGE_TAGS[".dagster/repository"]}
    assert trained in [r["runId"] for r in served.graphql(JOB_RUNS, page)["runsOrError"]["results"]]
    for key in ("tuning/elo_nfl", "models/elo_nfl", "reports/elo_nfl"):
        assert latest_run(served, key) == trained

    # Nobody asks for production/nfl: the automation-condition sensor, on by default, sees the new
    # report (its gates passed) and materializes it, then predictions/nfl.
    for key in ("production/nfl", "predictions/nfl"):
        promoted = served.wait_for(
            f"{key} materialized by automation", lambda k=key: latest_run(served, k), 240
        )
        tags = {t["key"]: t["value"] for t in served.graphql(RUN, {"runId": promoted})["runOrError"]["tags"]}
        assert tags.get("dagster/sensor_name") == AUTOMATION_SENSOR, tags
    champion = (served.data / "production" / "nfl.json").read_text()
    assert '"elo_nfl"' in champion


def test_the_remote_client_refuses_bad_requests_naming_them(served):
    remote = RemoteTraining("127.0.0.1", served.port)
    with pytest.raises(ValueError, match="sport 'cricket'"):
        remote.train("cricket")
    with pytest.raises(ValueError, match="market 'spread'.*moneyline"):
        remote.train("nfl", market="spread")
    with pytest.raises(ValueError, match="model 'gbm'"):
        remote.train("nfl", "gbm")
    elsewhere = RemoteTraining("127.0.0.1", served.port, location="no_such_location")
    with pytest.raises(RemoteRunFailed, match="refused the run of elo_nfl"):
        elsewhere.train("nfl")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: `make test` installs Debian's chromium when it runs as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("UI_SCREENSHOTS_DIR") or tmp_path / "ui-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(page, url: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    skip = page.get_by_role("button", name="Skip")  # the community sign-up dialog on a fresh instance
    if skip.count():
        skip.click()


def test_the_ui_shows_the_lineage_the_gates_and_the_plots_and_launches_a_materialization(
    served, trained, browser, tmp_path
):
    shots = screenshots(tmp_path)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    open_page(page, f"{served.url}/assets/predictions/nfl?view=lineage&lineageScope=upstream&lineageDepth=6")
    graph = page.locator("svg").filter(has_text="elo_nfl").first
    for key in LINEAGE:  # each asset in the box of its group, the group named like the key's stage
        group, name = key.split("/")
        graph.get_by_text(group, exact=True).first.wait_for()
        graph.get_by_text(name, exact=True).first.wait_for()
    page.screenshot(path=shots / "lineage.png")

    open_page(page, f"{served.url}/assets/reports/elo_nfl?view=checks")
    page.get_by_text("metric_gates").first.wait_for()
    page.get_by_text("Passed").first.wait_for()
    page.screenshot(path=shots / "reports_elo_nfl_checks.png")

    open_page(page, f"{served.url}/assets/reports/elo_nfl")
    page.get_by_text("reliability_diagram").first.wait_for()
    page.get_by_text("Show Markdown").first.click()  # the figures are markdown images (data URIs)
    image = page.locator("img[src^='data:image/png']").first
    image.wait_for()
    assert image.evaluate("i => i.naturalWidth") > 100
    page.wait_for_timeout(500)  # the dialog fades in
    page.screenshot(path=shots / "reports_elo_nfl_figure.png")
    page.keyboard.press("Escape")
    page.screenshot(path=shots / "reports_elo_nfl.png", full_page=True)

    open_page(page, f"{served.url}/assets/models/elo_nfl")
    before = latest_run(served, "models/elo_nfl")
    # its accessible name is the icon's label, then "Materialize"
    page.get_by_role("button", name=re.compile(r"Materialize$")).click()
    run_id = served.wait_for(
        "a run launched from the UI",
        lambda: latest_run(served, "models/elo_nfl") != before and latest_run(served, "models/elo_nfl"),
        300,
    )
    status = lambda: served.graphql(RUN, {"runId": run_id})["runOrError"]["status"]  # noqa: E731
    assert served.wait_for("the UI's run to finish", lambda: status() in ("SUCCESS", "FAILURE"), 120)
    assert status() == "SUCCESS"
    open_page(page, f"{served.url}/runs/{run_id}")
    page.get_by_text("Success").first.wait_for()
    page.screenshot(path=shots / "models_elo_nfl_run.png")

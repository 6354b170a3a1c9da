"""`make test`'s wall time on this machine, beside the same tests' own durations summed (what running
them one after another in one process would take, set-up and teardown included), from the same run."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from bench.foundation import ROOT, result, timed
from training_platform.settings import environment_with


def bench_make_test(work: Path) -> list[dict]:
    report = work / "make_test.xml"
    seconds, finished = timed(
        lambda: subprocess.run(
            ["make", "--no-print-directory", "test", f"PYTEST_ARGS=--junitxml={report}"],
            cwd=ROOT,
            env=environment_with(clean=True),
            capture_output=True,
            text=True,
        )
    )
    if finished.returncode != 0:  # a benchmark of a failing suite would be a figure of nothing
        raise RuntimeError(f"make test failed (exit {finished.returncode}):\n{finished.stdout[-3000:]}")
    cases = list(ET.parse(report).iter("testcase"))
    summed = sum(float(case.get("time", 0)) for case in cases)
    print(f"  {len(cases)} tests; target <= 480 s on 2 cores")
    return [result("make_test_wall_time", seconds, "s", "the same tests' durations summed", summed)]

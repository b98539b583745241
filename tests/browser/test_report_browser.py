"""The report as a person sees it: opened in headless Chromium, checked from the rendered page, photographed.

Checks: every figure decoded with a non-zero size, every expected section
and table present, nothing loaded from outside the page, no horizontal
overflow, no console errors. The screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from chromium import BINARY, Chromium
from report_fixture import SECTION_IDS, TABLE_IDS

pytestmark = pytest.mark.skipif(
    not BINARY.exists(), reason=f"{BINARY} is missing (Debian's chromium; .ci/run installs it)"
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"

SCREEN = (1280, 900)  # the browser window: a laptop screen
# Runs in the page after load; returns what the tests assert on.
INSPECT = """
(async () => {
  const images = [...document.images];
  const decoded = await Promise.allSettled(images.map(i => i.decode()));
  return {
    title: document.title,
    images: images.map((img, n) => ({
      figure: img.closest('figure')?.id ?? null,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      shownWidth: img.getBoundingClientRect().width,
      shownHeight: img.getBoundingClientRect().height,
      decoded: decoded[n].status === 'fulfilled',
      embedded: img.src.startsWith('data:image/png;base64,'),
      caption: img.closest('figure')?.querySelector('figcaption')?.textContent.trim() ?? '',
    })),
    sections: [...document.querySelectorAll('section[id]')].map(s => s.id),
    tables: Object.fromEntries([...document.querySelectorAll('table[id]')].map(
      t => [t.id, {rows: t.tBodies[0]?.rows.length ?? 0, header: t.tHead?.rows[0]?.cells.length ?? 0,
                   caption: t.caption?.textContent ?? ''}])),
    contents: [...document.querySelectorAll('nav#contents a')].map(a => a.getAttribute('href')),
    external: performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith('data:')),
    scripts: document.scripts.length,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()
"""


def inspect(page: Path, profile: Path, screenshot: Path) -> tuple[dict, list[str]]:
    """Open ``page``, run the checks script, save a full-page screenshot; the browser is always stopped."""
    with Chromium(profile, width=SCREEN[0], height=SCREEN[1]) as browser:
        browser.open(page.resolve().as_uri())
        found = browser.evaluate(INSPECT)
        browser.screenshot(screenshot)
        return found, browser.console_errors()


def check(found: dict, errors: list[str], sections: list[str], tables: list[str]) -> None:
    assert errors == []
    assert found["title"] == "netlab report"
    assert found["images"], "no figures"
    for img in found["images"]:
        where = img["figure"]
        assert img["complete"] and img["decoded"] and img["embedded"], where
        assert img["naturalWidth"] > 0 and img["naturalHeight"] > 0, where
        assert img["shownWidth"] > 100 and img["shownHeight"] > 100, where
        assert img["caption"], f"{where} has no caption"
    for section in sections:
        assert section in found["sections"], section
    for table in tables:
        assert table in found["tables"], table
        assert found["tables"][table]["rows"] > 0 and found["tables"][table]["caption"], table
    assert all(link[1:] in found["sections"] for link in found["contents"])
    assert found["external"] == [] and found["scripts"] == 0
    assert found["overflow"] <= 0, "the page scrolls sideways"


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory) -> Path:
    from report_fixture import make_results

    from netlab.report.build import write_report

    workdir = tmp_path_factory.mktemp("report")
    with contextlib.chdir(workdir):
        write_report(**make_results(workdir), html_path="results/report/index.html")
    return workdir / "results/report/index.html"


def test_report_renders_in_chromium(fixture_page, tmp_path):
    shot = ARTIFACTS / "report.png"
    found, errors = inspect(fixture_page, tmp_path / "profile", shot)
    check(
        found,
        errors,
        sections=SECTION_IDS,
        tables=TABLE_IDS,
    )
    # per data set of an experiment: scatter and boundaries; per experiment: loss, spread and generalisation;
    # the samples and the confusion matrices
    assert len(found["images"]) == 2 * 3 + 3 * 2 + 1 + 1
    assert shot.stat().st_size > 100_000


@pytest.mark.slow
def test_workflow_report_renders_in_chromium(workflow_run, tmp_path):
    import yaml
    from conftest import TEST_CONFIG

    cfg = yaml.safe_load(TEST_CONFIG.read_text())
    experiments = list(cfg["experiments"])
    found, errors = inspect(
        workflow_run / "results/report/index.html",
        tmp_path / "profile",
        ARTIFACTS / "report-workflow.png",
    )
    check(
        found,
        errors,
        sections=["overview", "toy", *(f"toy-{e}" for e in experiments), "images", "handbuilt"],
        tables=[
            "stage-times",
            "links",
            *(f"toy-summary-{e}" for e in experiments),
            "classifiers",
            "handbuilt-table",
        ],
    )


SWEEP_DATASETS = [f"data{i}" for i in range(1, 6)]
SWEEP = {  # the sweep: data1..data5 x H 2..21 x 20 trials
    "datasets": SWEEP_DATASETS,
    "hidden_layers": 1,
    "hidden_sizes": list(range(2, 22)),
    "trials": 20,
    "lr": 0.25,
    "tol": 1.0e-4,
    "check_every": 1000,
    "max_iter": 2000,
}


@pytest.mark.slow
def test_a_sweeps_report_reads_on_a_laptop_screen(tmp_path_factory, tmp_path):
    """The report of a 2,000-trial sweep, as a laptop shows it: every figure decoded, none taller than
    about two screens nor wider than the page, nothing scrolling sideways. (That no labels overlap in
    a figure is checked where the figures are drawn: tests/test_figures.py.)"""
    import yaml
    from report_fixture import config, make_results

    from netlab.report.build import write_report

    defaults = yaml.safe_load((ROOT / "config.yaml").read_text())["datasets"]
    cfg = config(datasets={name: defaults[name] for name in SWEEP_DATASETS})
    cfg["experiments"] = {"sweep": SWEEP}
    workdir = tmp_path_factory.mktemp("sweep-report")
    with contextlib.chdir(workdir):
        write_report(**make_results(workdir, cfg), html_path="results/report/index.html")
    found, errors = inspect(
        workdir / "results/report/index.html", tmp_path / "profile", ARTIFACTS / "report-sweep.png"
    )
    check(
        found, errors, sections=["toy", "toy-sweep", "generalisation"], tables=["toy-summary-sweep"]
    )
    assert found["tables"]["toy-summary-sweep"]["rows"] == len(SWEEP_DATASETS) * 20
    # per data set: its scatter and its boundaries; the experiment's three figures; samples, confusion
    assert len(found["images"]) == 2 * len(SWEEP_DATASETS) + 3 + 2
    for img in found["images"]:
        assert img["shownHeight"] <= 2 * SCREEN[1], (img["figure"], img["shownHeight"])
        assert img["shownWidth"] <= SCREEN[0], (img["figure"], img["shownWidth"])
    # a data set's 20 boundary panels get a row of their own, not a thumbnail's width
    boundaries = [img for img in found["images"] if img["figure"].endswith("-boundaries")]
    assert len(boundaries) == len(SWEEP_DATASETS)
    assert all(img["shownWidth"] >= 0.6 * SCREEN[0] for img in boundaries), boundaries

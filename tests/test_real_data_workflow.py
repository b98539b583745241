"""The real-data path of the workflow, offline: a tiny hymenoptera-like zip served from 127.0.0.1.

Runs Snakemake on the tiny test config with ``images.source: hymenoptera`` and
the URL pointing at a loopback server: download, checksum record, safe
extraction, features, classifiers, report; then the refusals (a wrong pinned sha256,
an archive with a ``../`` entry, weights that do not match torchvision's hash).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import planned_jobs, snakemake, write_config
from serve_zip import imagefolder_zip, jpeg_bytes, serve

pytestmark = pytest.mark.slow

COUNTS = {"train": {"ants": 3, "bees": 4}, "val": {"ants": 3, "bees": 3}}
ZIP_PATH = "/tutorial/hymenoptera_data.zip"


def hymenoptera_config(path: Path, url: str, sha256: str | None = None) -> Path:
    def edit(config: dict) -> None:
        config["images"]["source"] = "hymenoptera"
        config["images"]["hymenoptera"] = {"url": url, "sha256": sha256, "max_bytes": 10**7}

    return write_config(path, edit)


def output_of(proc) -> str:
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def archive() -> bytes:
    return imagefolder_zip(COUNTS)


@pytest.fixture(scope="module")
def server(archive):
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("hymenoptera_data/train/ants/a.jpg", jpeg_bytes(1))
        zf.writestr("hymenoptera_data/../../escaped.jpg", jpeg_bytes(2))
    files = {
        ZIP_PATH: archive,
        "/evil.zip": evil.getvalue(),
        "/models/resnet50.pth": b"not the published weights",
    }
    with serve(files) as base:
        yield base


def test_download_extract_features_classify_report(workflow_copy, tmp_path, server, archive):
    # A copy of the finished synthetic run: only the image stages and the report run again.
    workdir = workflow_copy
    config = hymenoptera_config(tmp_path / "config.yaml", server + ZIP_PATH)
    assert set(planned_jobs(workdir, config)) == {
        "download_images",
        "extract_images",
        "features",
        "classify",
        "classify_cv",
        "report",
    }
    snakemake(workdir, "--cores", "2", "results/report/index.html", config=config)

    # The download and its record (url, observed hash, no pin).
    assert (workdir / "resources" / "hymenoptera_data.zip").read_bytes() == archive
    record = json.loads((workdir / "resources" / "hymenoptera_data.zip.sha256.json").read_text())
    assert record["url"] == server + ZIP_PATH
    assert record["sha256"] == hashlib.sha256(archive).hexdigest()
    assert record["sha256_pinned"] is None
    assert record["size_bytes"] == len(archive)
    assert sorted(p.name for p in (workdir / "resources").iterdir()) == [
        "hymenoptera_data.zip",
        "hymenoptera_data.zip.sha256.json",
    ]

    # The extracted tree: hymenoptera_data/ stripped, train/ and val/ directly inside.
    root = workdir / "results" / "images" / "hymenoptera"
    for split, classes in COUNTS.items():
        for name, count in classes.items():
            assert sorted(p.name for p in (root / split / name).iterdir()) == [
                f"{name}{i}.jpg" for i in range(count)
            ]

    # Features: one row per image, in ImageFolder order, 2048 values each.
    for split, classes in COUNTS.items():
        table = pd.read_parquet(workdir / "results" / "features" / f"{split}.parquet")
        assert len(table) == sum(classes.values())
        assert table["path"].iloc[0] == f"{split}/ants/ants0.jpg"
        assert list(table["class_name"]) == [
            c for c, n in sorted(classes.items()) for _ in range(n)
        ]
        assert list(table["label"]) == [
            i for i, (c, n) in enumerate(sorted(classes.items())) for _ in range(n)
        ]
        assert {len(f) for f in table["features"]} == {2048}

    # Classifiers: one model per k plus logistic regression, scored on the 6 val images.
    metrics = json.loads((workdir / "results" / "classify" / "metrics.json").read_text())
    assert metrics["n_train"] == 7 and metrics["n_val"] == 6
    assert len(metrics["models"]) == 1 + len(
        yaml.safe_load(config.read_text())["classify"]["knn"]["k"]
    )
    for model in metrics["models"]:
        assert model["classes"] == ["ants", "bees"]
        confusion = model["confusion"]
        assert [sum(row) for row in confusion] == [3, 3]  # rows: true class
        assert model["accuracy"] == pytest.approx((confusion[0][0] + confusion[1][1]) / 6)
    assert "hymenoptera" in json.dumps(metrics)

    # The report shows the download record, so an unpinned hash can be pinned.
    page = (workdir / "results" / "report" / "index.html").read_text()
    assert record["sha256"] in page and record["url"] in page

    # The same run with a wrong pin: the download is redone, refused, and leaves no zip behind.
    wrong = "f" * 64
    pinned = hymenoptera_config(tmp_path / "pinned.yaml", server + ZIP_PATH, sha256=wrong)
    proc = snakemake(
        workdir, "--cores", "2", "results/classify/metrics.json", config=pinned, check=False
    )
    assert proc.returncode != 0
    log = (workdir / "results" / "logs" / "download_images" / "hymenoptera.log").read_text()
    for text in (output_of(proc), log):
        assert "sha256 mismatch" in text
        assert wrong in text and record["sha256"] in text and server + ZIP_PATH in text
    assert list(workdir.glob("resources/**/*")) == []  # not even a temporary file


def test_archive_with_parent_entry_is_refused(tmp_path, server):
    workdir = tmp_path / "run"
    config = hymenoptera_config(tmp_path / "config.yaml", server + "/evil.zip")
    proc = snakemake(
        workdir, "--cores", "1", "results/images/hymenoptera", config=config, check=False
    )
    assert proc.returncode != 0
    assert "'..' component (path traversal)" in output_of(proc)
    assert not (workdir / "results" / "images" / "hymenoptera").exists()
    assert not list(workdir.rglob("escaped.jpg")) and not list(tmp_path.rglob("escaped.jpg"))
    assert list(workdir.glob("results/images/**/*")) == []  # no temporary directory left either


def test_local_zip_source_is_extracted_to_results_images_local(tmp_path, archive):
    source = tmp_path / "copied in" / "ants_bees.zip"
    source.parent.mkdir()
    source.write_bytes(archive)
    config = write_config(
        tmp_path / "config.yaml", lambda c: c["images"].update(source=str(source))
    )
    workdir = tmp_path / "run"
    plan = snakemake(
        workdir, "--dry-run", "--cores", "1", "results/classify/metrics.json", config=config
    )
    assert "download_images" not in output_of(plan)
    assert "extract_images" in output_of(plan) and "results/images/local" in output_of(plan)
    snakemake(workdir, "--cores", "1", "results/images/local", config=config)
    assert sorted(
        p.name for p in (workdir / "results" / "images" / "local").iterdir() if p.is_dir()
    ) == [
        "train",
        "val",
    ]
    assert not (workdir / "resources").exists()


def test_weights_not_matching_torchvision_hash_are_refused(tmp_path, server):
    def edit(config: dict) -> None:
        config["features"]["weights"] = "IMAGENET1K_V1"
        config["features"]["weights_url"] = server + "/models/resnet50.pth"

    config = write_config(tmp_path / "config.yaml", edit)
    workdir = tmp_path / "run"
    plan = snakemake(
        workdir, "--dry-run", "--cores", "1", "results/classify/metrics.json", config=config
    )
    assert "resources/weights/resnet50-IMAGENET1K_V1.pth" in output_of(plan)
    proc = snakemake(
        workdir,
        "--cores",
        "1",
        "resources/weights/resnet50-IMAGENET1K_V1.pth",
        config=config,
        check=False,
    )
    assert proc.returncode != 0
    assert "published hash prefix: expected 0676ba61" in output_of(proc)
    assert list(workdir.glob("resources/**/*.pth*")) == []

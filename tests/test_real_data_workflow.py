"""The real-data path of the workflow, offline: a tiny hymenoptera-like zip served from 127.0.0.1.

Runs the README's reproduction command (``images={source: hymenoptera}``,
``features={weights: ..., batchnorm: notebook}``) on the tiny test config,
the URL pointing at a loopback server that serves an archive laid out like
the real one (``.gif`` placeholder, odd image modes, ``__MACOSX``) and the
weights a local state dict: download, checksum record, safe extraction,
features with torchvision's ImageFolder as the oracle, classifiers, report;
then the refusals (a wrong pinned sha256, an archive with a ``../`` entry,
weights that do not match torchvision's hash, a zip over the size limit).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import torch
import torchvision
import yaml
from conftest import TEST_CONFIG, snakemake, write_config
from serve_zip import ODD_ANTS, hymenoptera_like_zip, imagefolder_zip, jpeg_bytes, serve
from torchvision.datasets import ImageFolder

pytestmark = pytest.mark.slow

COUNTS = {"train": {"ants": 3, "bees": 4}, "val": {"ants": 3, "bees": 3}}
ZIP_PATH = "/tutorial/hymenoptera_data.zip"
MAC = "macOS metadata (__MACOSX)"
EXPECTED_IGNORED = {
    "train": {
        "__MACOSX/train/ants/._ants0.jpg": MAC,
        "__MACOSX/train/ants/._imageNotFound.gif": MAC,
        "train/ants/imageNotFound.gif": "not an image extension (.gif)",
    },
    "val": {"__MACOSX/val/bees/._bees0.jpg": MAC},
}


def hymenoptera_config(path: Path, url: str, sha256: str | None = None) -> Path:
    def edit(config: dict) -> None:
        config["images"]["source"] = "hymenoptera"
        config["images"]["hymenoptera"] = {"url": url, "sha256": sha256}
        config["images"]["max_unpacked_bytes"] = 10**7

    return write_config(path, edit)


def readme_command_config(url: str, weights: Path) -> list[str]:
    """The README's reproduction command's ``--config`` (real weights cannot be had here: a local file)."""
    return [
        "--config",
        f"images={{source: hymenoptera, hymenoptera: {{url: {url}}}}}",
        f"features={{weights: {{path: {weights}}}, batchnorm: notebook}}",
    ]


def output_of(proc) -> str:
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def archive() -> bytes:
    return hymenoptera_like_zip(COUNTS)


@pytest.fixture(scope="module")
def random_resnet50(tmp_path_factory) -> Path:
    """A state dict saved from a randomly initialised torchvision resnet50 (what IMAGENET1K_V1 would be)."""
    path = tmp_path_factory.mktemp("weights") / "resnet50_random.pth"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        torch.save(torchvision.models.resnet50(weights=None).state_dict(), path)
    return path


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


def test_readme_reproduction_command_on_an_archive_like_the_real_one(
    workflow_copy, tmp_path, server, archive, random_resnet50
):
    # A copy of the finished synthetic run: only the image stages and the report run again.
    workdir = workflow_copy
    readme = readme_command_config(server + ZIP_PATH, random_resnet50)
    plan = snakemake(workdir, "--dry-run", "--cores", "1", *readme)
    assert set(re.findall(r"^(?:local)?rule (\w+):", output_of(plan), re.MULTILINE)) - {"all"} == {
        "download_images",
        "extract_images",
        "features",
        "classify",
        "classify_cv",
        "image_plots",
        "report",
    }
    snakemake(workdir, "--cores", "2", *readme)

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

    # The extracted tree: hymenoptera_data/ stripped, the Mac metadata beside train/ and val/.
    root = workdir / "results" / "images" / "hymenoptera"
    assert sorted(p.name for p in root.iterdir() if p.name != ".snakemake_timestamp") == [
        "__MACOSX",
        "train",
        "val",
    ]

    # Features: torchvision's ImageFolder samples (paths, labels, order), 2048 values each.
    n_images = {}
    for split in COUNTS:
        reference = ImageFolder(root / split)
        n_images[split] = len(reference.samples)
        table = pd.read_parquet(workdir / "results" / "features" / f"{split}.parquet")
        assert [
            (str(root / p), label) for p, label in zip(table["path"], table["label"], strict=True)
        ] == (reference.samples)
        assert list(table["class_name"]) == [reference.classes[t] for t in reference.targets]
        assert {len(f) for f in table["features"]} == {2048}
        sidecar = json.loads((workdir / "results" / "features" / f"{split}.json").read_text())
        assert sidecar["batchnorm"] == "notebook" and sidecar["weights"]["kind"] == "file"
        assert (
            sidecar["weights"]["sha256"] == hashlib.sha256(random_resnet50.read_bytes()).hexdigest()
        )
        assert sidecar["skipped"] == [] and sidecar["n_images"] == n_images[split]
        used = {c: reference.targets.count(i) for i, c in enumerate(reference.classes)}
        ignored = {i["path"]: i["reason"] for i in sidecar["ignored"]}
        assert ignored == EXPECTED_IGNORED[split]
        assert sidecar["census"] == [
            {
                "class": c,
                "used": used[c],
                "ignored": sum(f"/{c}/" in p for p in ignored),
                "skipped": 0,
            }
            for c in ("ants", "bees")
        ]
    assert n_images == {"train": 3 + len(ODD_ANTS) - 1 + 4, "val": 6}  # every odd file but the .gif

    # Classifiers on those images.
    metrics = json.loads((workdir / "results" / "classify" / "metrics.json").read_text())
    assert metrics["n_train"] == n_images["train"] and metrics["n_val"] == n_images["val"]
    k = yaml.safe_load(TEST_CONFIG.read_text())["classify"]["knn"]["k"]
    assert len(metrics["models"]) == 1 + len(k)
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


def test_local_zip_with_splits_at_top_is_extracted_within_the_size_limit(tmp_path):
    source = tmp_path / "copied in" / "ants_bees.zip"
    source.parent.mkdir()
    source.write_bytes(imagefolder_zip(COUNTS, top=None))  # train/ and val/ at the top

    def config(limit: int) -> Path:
        def edit(c: dict) -> None:
            c["images"].update(source=str(source), max_unpacked_bytes=limit)

        return write_config(tmp_path / f"config{limit}.yaml", edit)

    workdir = tmp_path / "run"
    plan = snakemake(
        workdir, "--dry-run", "--cores", "1", "results/classify/metrics.json", config=config(10**7)
    )
    assert "download_images" not in output_of(plan)
    assert "extract_images" in output_of(plan) and "results/images/local" in output_of(plan)
    # images.max_unpacked_bytes limits the user's own zip too.
    proc = snakemake(
        workdir, "--cores", "1", "results/images/local", config=config(1000), check=False
    )
    assert proc.returncode != 0 and "over the limit of 1000 bytes" in output_of(proc)
    assert not (workdir / "results" / "images" / "local").exists()
    snakemake(workdir, "--cores", "1", "results/images/local", config=config(10**7))
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

"""ResNet50 features: the notebooks' transform and network, batched, written with provenance."""

from __future__ import annotations

import copy
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import torchvision
from torchvision.datasets.folder import pil_loader

from netlab.images import cpu_isa, feature_table, features, weights
from netlab.images.feature_table import FeatureTable, FeatureTableError
from netlab.images.imagefolder import scan_split
from netlab.images.synthetic import write_tree

SEED = 3


@pytest.fixture(scope="module")
def model() -> torch.nn.Module:
    return weights.resnet50(None, SEED)[0]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Five tiny synthetic images in train (3 ants, 2 bees), two in val."""
    root = tmp_path_factory.mktemp("features") / "images"
    write_tree(
        root,
        {"train": {"ants": 3, "bees": 2}, "val": {"ants": 1, "bees": 1}},
        seed=1,
        min_side=40,
        max_side=90,
    )
    return root


def run(root: Path, out: Path, model_seed: int = SEED, split: str = "train", **overrides) -> dict:
    settings = dict(
        weights_spec=None, weights_path=None, seed=model_seed, batch_size=2, batchnorm="eval", device="cpu", threads=1,
        on_bad_image="error", image_source="synthetic",
    )  # fmt: skip
    settings.update(overrides)
    return features.split_features(
        root,
        split,
        table_path=out / f"{split}.parquet",
        sidecar_path=out / f"{split}.json",
        **settings,
    )


def test_backbone_is_resnet50_up_to_the_pooled_output(model):
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    headless = torchvision.models.resnet50(weights=None)
    headless.load_state_dict(model.state_dict())
    headless.fc = torch.nn.Identity()
    headless.eval()
    net = features.backbone(model)
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    with torch.inference_mode():
        assert torch.allclose(net(x).flatten(1), headless(x), atol=1e-6)


def test_transform_is_the_notebooks():
    steps = features.notebook_transform().transforms
    assert [type(t).__name__ for t in steps] == ["Resize", "CenterCrop", "ToTensor", "Normalize"]
    assert steps[0].size == 256 and steps[1].size == (224, 224)
    assert list(steps[3].mean) == [0.485, 0.456, 0.406] and list(steps[3].std) == [
        0.229,
        0.224,
        0.225,
    ]


def test_batched_features_match_one_image_at_a_time(model, root):
    samples = scan_split(root, "train").samples
    net = features.backbone(model)
    batched = features.extract(
        net, samples, batch_size=2, device=torch.device("cpu")
    )  # batches of 2, 2, 1
    assert batched.shape == (5, 2048) and batched.dtype == np.float32 and np.isfinite(batched).all()
    transform = features.notebook_transform()
    with torch.no_grad():  # the notebooks' way: batch of one, squeezed
        single = np.stack(
            [torch.squeeze(net(transform(pil_loader(s.path))[None])).numpy() for s in samples]
        )
    np.testing.assert_allclose(batched, single, rtol=1e-4, atol=1e-4)
    assert len({row.tobytes() for row in batched}) == 5  # different images, different features


def test_split_features_writes_table_and_sidecar(root, tmp_path):
    sidecar = run(root, tmp_path)
    table = pq.read_table(tmp_path / "train.parquet")
    assert table.schema.field("features").type == pa.list_(pa.float32(), 2048)
    assert table.column("path").to_pylist() == [
        "train/ants/ants_0000.jpg", "train/ants/ants_0001.jpg", "train/ants/ants_0002.jpg",
        "train/bees/bees_0000.jpg", "train/bees/bees_0001.jpg",
    ]  # fmt: skip
    assert table.column("label").to_pylist() == [0, 0, 0, 1, 1]
    assert table.column("class_name").to_pylist() == ["ants"] * 3 + ["bees"] * 2
    assert json.loads((tmp_path / "train.json").read_text()) == sidecar
    assert (
        sidecar["n_images"] == 5
        and sidecar["classes"] == ["ants", "bees"]
        and sidecar["skipped"] == []
    )
    assert sidecar["weights"]["description"] == "random (seeded), not ImageNet"
    assert sidecar["image_source"] == "synthetic" and sidecar["device"] == "cpu"
    assert (
        sidecar["torch"] == torch.__version__ and sidecar["torchvision"] == torchvision.__version__
    )


def test_same_settings_same_bytes_other_seed_other_features(root, tmp_path):
    for name, seed in (("a", SEED), ("b", SEED), ("c", SEED + 1)):
        run(root, tmp_path / name, model_seed=seed, split="val")
    assert (tmp_path / "a/val.parquet").read_bytes() == (tmp_path / "b/val.parquet").read_bytes()
    assert (tmp_path / "a/val.json").read_bytes() == (tmp_path / "b/val.json").read_bytes()
    a = feature_table.read(tmp_path / "a/val.parquet").features
    c = feature_table.read(tmp_path / "c/val.parquet").features
    assert not np.allclose(a, c)


def test_bad_image_stops_before_any_output(root, tmp_path):
    broken = root / "train" / "ants" / "zz_broken.jpg"
    broken.write_bytes(b"not an image")
    try:
        with pytest.raises(ValueError, match="zz_broken.jpg: not a readable image"):
            run(root, tmp_path)
        assert not (tmp_path / "train.parquet").exists() and not (tmp_path / "train.json").exists()
        sidecar = run(root, tmp_path, on_bad_image="skip")
    finally:
        broken.unlink()
    assert sidecar["n_images"] == 5
    assert sidecar["skipped"] == [
        {
            "path": "train/ants/zz_broken.jpg",
            "reason": "not a readable image (unknown or corrupt format)",
        }
    ]


def test_device_choice():
    assert features.resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert features.resolve_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(
            RuntimeError, match="features.device is 'cuda' but torch sees no CUDA device"
        ):
            features.resolve_device("cuda")


def test_table_round_trip_and_checks(tmp_path):
    rows = np.arange(2 * 2048, dtype=np.float32).reshape(2, 2048)
    table = FeatureTable(["train/a/x.jpg", "train/b/y.jpg"], np.array([0, 1]), ["a", "b"], rows)
    feature_table.write(tmp_path / "t.parquet", table)
    back = feature_table.read(tmp_path / "t.parquet")
    assert back.paths == table.paths and back.class_names == table.class_names
    assert np.array_equal(back.labels, table.labels) and np.array_equal(back.features, rows)
    with pytest.raises(
        FeatureTableError, match=r"t.parquet: 'features' is .*expected 1024 float32"
    ):
        feature_table.read(tmp_path / "t.parquet", dim=1024)
    pq.write_table(pa.table({"path": ["x"]}), tmp_path / "bad.parquet")
    with pytest.raises(
        FeatureTableError,
        match=r"bad.parquet: missing column\(s\) \['label', 'class_name', 'features'\]",
    ):
        feature_table.read(tmp_path / "bad.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"junk")
    with pytest.raises(FeatureTableError, match="junk.parquet: not readable as Parquet"):
        feature_table.read(tmp_path / "junk.parquet")


def test_thread_count_does_not_change_features(root, tmp_path):
    # --cores 1 and --cores 8 runs must give the same bytes (Snakemake scales threads down to the cores)
    for name, threads in (("one", 1), ("two", 2), ("three", 3)):
        run(root, tmp_path / name, threads=threads, split="val")
    one = (tmp_path / "one/val.parquet").read_bytes()
    assert (
        one
        == (tmp_path / "two/val.parquet").read_bytes()
        == (tmp_path / "three/val.parquet").read_bytes()
    )


def test_notebook_batchnorm_normalises_each_image_by_itself(model, root):
    samples = scan_split(root, "train").samples
    net = features.backbone(model)
    nb = features.extract(
        net, samples, batch_size=4, device=torch.device("cpu"), batchnorm="notebook"
    )
    # the notebooks' cell: Sequential(children[:-1]) never put in eval mode, DataLoader batch size 1
    nb_net = copy.deepcopy(torch.nn.Sequential(*list(model.children())[:-1])).train()
    transform = features.notebook_transform()
    with torch.no_grad():
        expected = np.stack(
            [torch.squeeze(nb_net(transform(pil_loader(s.path))[None])).numpy() for s in samples]
        )
    np.testing.assert_allclose(nb, expected, rtol=1e-5, atol=1e-5)
    evaluated = features.extract(net.eval(), samples, batch_size=4, device=torch.device("cpu"))
    assert not np.allclose(nb, evaluated, atol=1e-3)
    with pytest.raises(ValueError, match="features.batchnorm"):
        features.extract(net, samples, batch_size=4, device=torch.device("cpu"), batchnorm="train")


bf16 = pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason="this CPU has no bfloat16 instructions (AVX512-BF16 or AMX)",
)


@bf16
def test_bfloat16_is_close_to_float32_and_repeatable(model, root):
    samples = scan_split(root, "train").samples
    net = features.backbone(model)
    full, reduced, again = (
        features.extract(net, samples, batch_size=2, device=torch.device("cpu"), precision=p)
        for p in ("float32", "bfloat16", "bfloat16")
    )
    assert reduced.dtype == np.float32 and reduced.shape == full.shape
    assert not np.array_equal(reduced, full)  # it did run in bfloat16
    np.testing.assert_array_equal(reduced, again)
    # bfloat16 keeps 8 bits of mantissa: a few per cent of the largest feature, no more
    assert np.abs(reduced - full).max() <= 0.05 * np.abs(full).max()


def test_bfloat16_without_the_instructions_is_refused_before_any_output(
    root, tmp_path, monkeypatch
):
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    with pytest.raises(RuntimeError, match="no bfloat16 instructions .* use float32"):
        run(root, tmp_path, precision="bfloat16")
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="features.precision must be float32 or bfloat16"):
        features.check_precision("float16", torch.device("cpu"))


def test_the_sidecar_says_which_precision(root, tmp_path):
    assert run(root, tmp_path)["precision"] == "float32"


def test_the_sidecar_says_which_cpu_and_instruction_sets(root, tmp_path):
    sidecar = run(root, tmp_path, split="val")
    assert sidecar["cpu"] == cpu_isa.cpu_model() != ""
    assert sidecar["instruction_set"] == cpu_isa.instruction_set()
    assert sidecar["instruction_set"]["ATen"] == torch.backends.cpu.get_cpu_capability()
    assert sidecar["gpu"] is None  # the CPU computed them


def test_float32_on_a_gpu_is_float32_by_deterministic_algorithms():
    """torch's default lets cuDNN run float32 convolutions in TF32 (measured on an H200: 0.09 from the
    CPU's features, against 3e-4 in float32); the GPU path turns that off, and only while it runs."""
    cudnn = torch.backends.cudnn
    before = (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)
    assert before[3], "torch's default is TF32 for cuDNN's float32 convolutions"
    with features.exact_float32(torch.device("cuda")):
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (
            True, False, True, False,
        )  # fmt: skip
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == before
    with features.exact_float32(torch.device("cpu")):
        assert cudnn.allow_tf32  # nothing to set on the CPU


# below AVX2 for every library: a cap that differs from the default on any x86 CPU of the last decade
CAPS = {
    "ONEDNN_MAX_CPU_ISA": "SSE41",
    "ATEN_CPU_CAPABILITY": "default",
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
}


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64") or not torch.backends.mkl.is_available(),
    reason="the caps are x86 instruction sets of oneDNN, ATen and MKL",
)
def test_a_capped_instruction_set_is_what_the_sidecar_records(root, tmp_path):
    """The libraries read their caps when torch loads, so the capped run is a fresh process."""
    here = run(root, tmp_path / "here", split="val")["instruction_set"]
    env = {k: v for k, v in os.environ.items() if k not in cpu_isa.SETTINGS} | CAPS
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")])
    )
    code = "import sys; from pathlib import Path; from test_features import run; "
    code += "run(Path(sys.argv[1]), Path(sys.argv[2]), split='val')"
    subprocess.run([sys.executable, "-c", code, root, tmp_path], env=env, check=True)
    capped = json.loads((tmp_path / "val.json").read_text())["instruction_set"]
    assert {k: capped[k] for k in ("ATen", "oneDNN", *CAPS)} == {
        "ATen": "DEFAULT", "oneDNN": "Intel SSE4.1", **CAPS
    }  # fmt: skip
    assert "(Intel(R) SSE4.2)" in capped["MKL"]
    assert all(here[lib] != capped[lib] for lib in ("ATen", "oneDNN", "MKL"))

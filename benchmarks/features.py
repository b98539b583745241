"""Feature extraction: the notebooks' loop against netlab's batched extraction, on the same images and model.

Run: python benchmarks/features.py [--images 32] [--batch-size 8] [--threads 2]
     python benchmarks/features.py --precisions [--images-root DIR | --archive-like]   # float32 against bfloat16
     python benchmarks/features.py --isa AVX2 [--images-root DIR | --archive-like]      # instruction sets
     python benchmarks/features.py --cuda [--images-root DIR]                            # a GPU against the CPU

``--precisions``: the default run's images (synthetic, 244 train and 153 val, or an ImageFolder root
with train/ and val/ given by ``--images-root``, or ``--archive-like``: a zip laid out like the real
hymenoptera archive with its odd files, the tests' ``hymenoptera_like_zip`` at the notebooks' counts,
unpacked by netlab's own extraction) through netlab's extraction on one thread, in float32
and in bfloat16 (``features.precision``): images per second of each, the largest difference in the
2048 features, and the classifiers of the default config on each (accuracy, and how many validation
images change prediction).

``--isa AVX2`` (repeatable; with ``--batch-size 32``, the default config's): the same images through
netlab's float32 extraction with the default run's weights (random, config seed), once as this CPU allows
and once per ``--isa`` with instruction sets capped, each in a fresh process (oneDNN, MKL and ATen read
their settings when torch loads). A bare value caps oneDNN (``ONEDNN_MAX_CPU_ISA=AVX2``); ``NAME=VALUE``
sets one of ``netlab.images.cpu_isa.SETTINGS`` (``MKL_ENABLE_INSTRUCTIONS=AVX2``, ``ATEN_CPU_CAPABILITY=avx2``);
settings join with commas (``AVX2,ATEN_CPU_CAPABILITY=avx2,MKL_ENABLE_INSTRUCTIONS=AVX2``: a CPU without
AVX-512). ``--batchnorm notebook``: the notebooks' BatchNorm, one image per batch. Prints what each process
recorded, how far its features are from the uncapped run's and how many validation predictions of each
classifier of the default config change.

``--cuda`` (on a machine with a GPU): the default run's images and weights (batch 32) through netlab's
extraction on every core of the CPU in float32 and on the GPU in float32 (netlab's: float32
convolutions, deterministic algorithms; twice, to see the same bytes again), in TF32 (torch's own
default for float32 convolutions) and in bfloat16; then the workflow's entry point with
``features.device: auto``. Prints each one's speed, distance from the CPU's features and
classifier changes, the forward pass alone in images per second, and what the sidecar recorded.

The notebooks' way: torchvision ImageFolder, a DataLoader of batch 1, autograd
on (no ``no_grad``/``inference_mode``; the parameters are frozen as in the
notebook), and ``np.vstack`` growing the array one image at a time. The model
is put in eval mode for both (the notebook never called ``.eval()``, so its
BatchNorm layers used each image's own statistics; netlab uses eval mode),
so that both must give the same features; the script checks that within 1e-4
(relative and absolute: np.allclose(rtol=1e-4, atol=1e-4)).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import yaml
from torchvision import datasets

from netlab.images import cpu_isa, feature_table, features, weights
from netlab.images.feature_table import FeatureTable
from netlab.images.imagefolder import scan_split
from netlab.images.synthetic import write_tree

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
#: Images per split and class in the notebooks' hymenoptera data, as config.yaml's synthetic default draws them.
NOTEBOOK_COUNTS = CONFIG["images"]["synthetic"]["counts"]
SPLITS = ("train", "val")


def notebook_way(net: torch.nn.Module, root: Path) -> np.ndarray:
    """The notebooks' extraction loop, verbatim but for the variable names."""
    dataset = datasets.ImageFolder(str(root / "train"), features.notebook_transform())
    loader = torch.utils.data.DataLoader(dataset)
    for batch, data in enumerate(loader):
        if batch == 0:
            x = torch.squeeze(net(data[0])).numpy()
        else:
            x = np.vstack((x, torch.squeeze(net(data[0])).numpy()))
    return x


def netlab_way(net: torch.nn.Module, root: Path, batch_size: int, threads: int) -> np.ndarray:
    samples = scan_split(root, "train", splits=["train"]).samples
    return features.extract(
        net, samples, batch_size=batch_size, device=torch.device("cpu"), threads=threads
    )


def archive_like_root(tmp: Path) -> Path:
    """The tests' hymenoptera-like zip at the notebooks' counts, unpacked by netlab's extraction."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from serve_zip import hymenoptera_like_zip

    from netlab.images.archive import safe_extract_zip

    (tmp / "hymenoptera_data.zip").write_bytes(hymenoptera_like_zip(NOTEBOOK_COUNTS))
    safe_extract_zip(tmp / "hymenoptera_data.zip", tmp / "images", max_bytes=10**9)
    return tmp / "images"


def compare_precisions(root: Path | None, batch_size: int) -> int:
    """float32 against bfloat16 on the default run's images: speed, features, classifiers."""
    net = features.backbone(weights.resnet50(None, seed=0)[0])
    with tempfile.TemporaryDirectory() as tmp:
        if root is None:
            root = Path(tmp) / "images"
            write_tree(root, NOTEBOOK_COUNTS, seed=0, min_side=180, max_side=500)
        tables, speed = {}, {}
        for precision in ("float32", "bfloat16"):
            seconds, images = 0.0, 0
            for split in ("train", "val"):
                samples = scan_split(root, split).samples
                rows, s = timed(
                    lambda samples=samples, precision=precision: features.extract(
                        net, samples, batch_size=batch_size, device=torch.device("cpu"),
                        precision=precision,
                    )
                )  # fmt: skip
                seconds, images = seconds + s, images + len(samples)
                tables[precision, split] = table(root, split, rows)
            speed[precision] = images / seconds
    diff = max(
        float(np.abs(tables["float32", s].features - tables["bfloat16", s].features).max())
        for s in ("train", "val")
    )
    largest = max(float(np.abs(tables["float32", s].features).max()) for s in ("train", "val"))
    results = {p: classified(tables[p, "train"], tables[p, "val"]) for p in ("float32", "bfloat16")}
    print(f"torch {torch.__version__}, one thread, batch size {batch_size}")
    print("| precision | images/s |\n|---|---|")
    for p, rate in speed.items():
        print(f"| {p} | {rate:.1f} |")
    print(f"bfloat16 / float32 speed: {speed['bfloat16'] / speed['float32']:.2f}x")
    print(f"largest |difference| of a feature: {diff:.3g} (largest |feature|: {largest:.3g})")
    print(
        "| classifier | float32 accuracy | bfloat16 accuracy | val images that change prediction |"
    )
    print("|---|---|---|---|")
    for full, reduced in zip(results["float32"], results["bfloat16"], strict=True):
        print(
            f"| {full['name']} | {full['accuracy']:.3f} | {reduced['accuracy']:.3f} "
            f"| {changed(full, reduced)} |"
        )
    return 0


def classified(train: FeatureTable, val: FeatureTable) -> list[dict]:
    """The default config's classifiers (logistic regression, k-NN per k) fitted on ``train``, scored on ``val``."""
    from netlab.images import classify, multiclass

    settings, classes = CONFIG["classify"], ["ants", "bees"]
    logistic = multiclass.logistic_settings(settings["logistic"], classes, "benchmark images")
    return classify.evaluate(train, val, classes, logistic, settings["knn"])


def changed(a: dict, b: dict) -> int:
    """How many validation images the two results of one classifier predict differently."""
    return int(np.count_nonzero(np.array(a["predicted"]) != np.array(b["predicted"])))


def table(root: Path, split: str, rows: np.ndarray) -> FeatureTable:
    """``rows`` (features of ``root/split`` in ImageFolder order) with their paths and labels."""
    samples = scan_split(root, split).samples
    return FeatureTable(
        paths=[s.relpath for s in samples],
        labels=np.array([s.label for s in samples], np.int64),
        class_names=[s.class_name for s in samples],
        features=rows,
    )


def isa_settings(spec: str) -> dict[str, str]:
    """``AVX2`` -> ONEDNN_MAX_CPU_ISA=AVX2; ``NAME=VALUE`` pairs (one of cpu_isa.SETTINGS) joined by commas."""
    settings = {}
    for item in spec.split(","):
        name, _, value = item.rpartition("=")
        name = name or "ONEDNN_MAX_CPU_ISA"
        if name not in cpu_isa.SETTINGS:
            raise SystemExit(f"--isa {spec}: {name} is not one of {', '.join(cpu_isa.SETTINGS)}")
        settings[name] = value
    return settings


def extract_to(root: Path, batch_size: int, batchnorm: str, out: Path) -> int:
    """Child process: both splits' float32 features of the default run's weights, and what was recorded."""
    torch.set_num_threads(1)
    net = features.backbone(weights.resnet50(None, seed=CONFIG["seed"])[0])
    arrays, seconds, images = {}, 0.0, 0
    for split in SPLITS:
        samples = scan_split(root, split).samples
        arrays[split], s = timed(
            lambda samples=samples: features.extract(
                net, samples, batch_size=batch_size, device=torch.device("cpu"), batchnorm=batchnorm
            )
        )
        seconds, images = seconds + s, images + len(samples)
    np.savez(out, **arrays)
    record = {
        "images_per_s": images / seconds,
        "cpu": cpu_isa.cpu_model(),
        **cpu_isa.instruction_set(),
    }
    out.with_suffix(".json").write_text(json.dumps(record))
    return 0


def extracted(
    root: Path, settings: dict[str, str], batch_size: int, batchnorm: str, out: Path
) -> tuple[dict, dict]:
    """Run ``extract_to`` in a fresh process under ``settings`` (and no other cap): features, record."""
    env = {k: v for k, v in os.environ.items() if k not in cpu_isa.SETTINGS} | settings
    cmd = [sys.executable, __file__, "--extract-to", str(out), "--images-root", str(root)]
    cmd += ["--batch-size", str(batch_size), "--batchnorm", batchnorm]
    subprocess.run(cmd, env=env, check=True)
    with np.load(out) as arrays:
        rows = {split: arrays[split] for split in SPLITS}
    return rows, json.loads(out.with_suffix(".json").read_text())


def default_images(tmp: Path) -> Path:
    """The default run's synthetic images (config seed and sizes, the notebooks' counts) under ``tmp``."""
    synthetic = CONFIG["images"]["synthetic"]
    root = tmp / "images"
    write_tree(root, NOTEBOOK_COUNTS, CONFIG["seed"], synthetic["min_side"], synthetic["max_side"])
    return root


def compare_isas(root: Path | None, specs: list[str], batch_size: int, batchnorm: str) -> int:
    """Float32 features as this CPU allows against each capped instruction set: differences, classifiers."""
    variants = {"default": {}} | {spec: isa_settings(spec) for spec in specs}
    with tempfile.TemporaryDirectory() as tmp:
        root = root or default_images(Path(tmp))
        runs = {
            name: extracted(root, settings, batch_size, batchnorm, Path(tmp) / f"run{i}.npz")
            for i, (name, settings) in enumerate(variants.items())
        }
        tables = {
            name: {s: table(root, s, rows[s]) for s in SPLITS} for name, (rows, _) in runs.items()
        }
    print(
        f"torch {torch.__version__}, one thread, batchnorm {batchnorm}, "
        f"batch size {1 if batchnorm == 'notebook' else batch_size}, "
        f"CPU: {runs['default'][1]['cpu']}"
    )
    print_differences(runs)
    print_classifiers({name: classified(t["train"], t["val"]) for name, t in tables.items()})
    return 0


def compare_devices(root: Path | None, batch_size: int) -> int:
    """Float32 features on every core of the CPU against the GPU's float32, TF32 and bfloat16."""
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    net = features.backbone(weights.resnet50(None, seed=CONFIG["seed"])[0])
    with tempfile.TemporaryDirectory() as tmp:
        root = root or default_images(Path(tmp))
        samples = {split: scan_split(root, split).samples for split in SPLITS}
        first = time.perf_counter()
        # CUDA's context, cuDNN's start and the weights' copy: no variant's cost
        with torch.no_grad():
            net.to(gpu)(torch.zeros(1, 3, 224, 224, device=gpu))
        print(f"GPU start (context, cuDNN, weights): {time.perf_counter() - first:.2f} s")
        tf32 = lambda device: torch.backends.cudnn.flags(enabled=True, allow_tf32=True)  # noqa: E731
        variants = {
            "default": (cpu, "float32", contextlib.nullcontext()),
            "cuda float32": (gpu, "float32", contextlib.nullcontext()),
            "cuda float32 again": (gpu, "float32", contextlib.nullcontext()),
            "cuda TF32 (torch's default)": (gpu, "float32", mock.patch.object(features, "exact_float32", tf32)),
            "cuda bfloat16": (gpu, "bfloat16", contextlib.nullcontext()),
        }  # fmt: skip
        runs = {}
        for name, (device, precision, setting) in variants.items():
            rows, seconds = {}, 0.0
            for split in SPLITS:
                with setting:
                    rows[split], s = timed(
                        lambda split=split, device=device, precision=precision: features.extract(
                            net, samples[split], batch_size=batch_size, device=device,
                            threads=os.cpu_count() or 1, precision=precision,
                        )
                    )  # fmt: skip
                seconds += s
            n = sum(len(samples[s]) for s in SPLITS)
            record = {"device": device.type, "precision": precision, "images_per_s": n / seconds}
            runs[name] = rows, record | {"on": features.gpu_name(device) or cpu_isa.cpu_model()}
        tables = {name: {s: table(root, s, r[s]) for s in SPLITS} for name, (r, _) in runs.items()}
        same = all(
            np.array_equal(runs["cuda float32"][0][s], runs["cuda float32 again"][0][s])
            for s in SPLITS
        )
        print(f"torch {torch.__version__}, batch size {batch_size}, CPU threads {os.cpu_count()}")
        print_differences(runs, columns=("device", "precision", "on"))
        print(f"cuda float32 twice: {'the same bytes' if same else 'DIFFERENT bytes'}")
        print_classifiers({name: classified(t["train"], t["val"]) for name, t in tables.items()})
        print_forward_rates(net, gpu)
        sidecar = features.split_features(
            root, "val", weights_spec=None, weights_path=None, seed=CONFIG["seed"],
            batch_size=batch_size, batchnorm="eval", device="auto", threads=1,
            on_bad_image="error", image_source="synthetic",
            table_path=Path(tmp) / "val.parquet", sidecar_path=Path(tmp) / "val.json",
        )  # fmt: skip
        written = feature_table.read(Path(tmp) / "val.parquet").features
    keys = ("device", "gpu", "precision", "cpu", "torch")
    print("sidecar of features.device auto: " + ", ".join(f"{k}: {sidecar[k]}" for k in keys))
    entry_same = np.array_equal(written, runs["cuda float32"][0]["val"])
    print(
        f"its table against cuda float32: {'the same bytes' if entry_same else 'DIFFERENT bytes'}"
    )
    return 0 if same and entry_same and sidecar["device"] == "cuda" else 1


def print_forward_rates(net: torch.nn.Module, gpu: torch.device, n: int = 256) -> None:
    """Images per second of the forward pass alone on the GPU (no decoding), per precision."""
    batch = torch.randn(n, 3, 224, 224, device=gpu).contiguous(memory_format=torch.channels_last)
    net = net.to(gpu, memory_format=torch.channels_last)
    for name, precision, setting in (
        ("float32", "float32", features.exact_float32(gpu)),
        ("TF32", "float32", torch.backends.cudnn.flags(enabled=True, allow_tf32=True)),
        ("bfloat16", "bfloat16", contextlib.nullcontext()),
    ):
        reduced = torch.autocast(
            "cuda", dtype=features.PRECISIONS[precision], enabled=precision != "float32"
        )
        with setting, torch.no_grad(), reduced:
            net(batch)
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(5):
                net(batch)
            torch.cuda.synchronize()
        print(
            f"forward pass alone, batch {n}, {name}: {5 * n / (time.perf_counter() - start):.0f} images/s"
        )


def print_differences(
    runs: dict[str, tuple[dict, dict]], columns: tuple[str, ...] = ("ATen", "oneDNN", "MKL")
) -> None:
    """Per run: what it recorded, its speed, and how far its features are from the default run's."""
    base = np.concatenate([runs["default"][0][s] for s in SPLITS])
    nonzero = base != 0
    print(f"{len(base)} images; largest |feature|: {np.abs(base).max():.3g}")
    print(f"| setting | {' | '.join(columns)} | images/s | largest abs. difference | largest rel. "
          "difference of a feature | of an image (L2) | features identical |")  # fmt: skip
    print("|---|" + "---|" * len(columns) + "---|---|---|---|---|")
    for name, (rows, record) in runs.items():
        other = np.concatenate([rows[s] for s in SPLITS])
        diff = np.abs(other - base)
        relative = float((diff[nonzero] / np.abs(base[nonzero])).max())
        per_image = float((np.linalg.norm(diff, axis=1) / np.linalg.norm(base, axis=1)).max())
        isa = " | ".join(str(record[column]) for column in columns)
        print(
            f"| {name} | {isa} | {record['images_per_s']:.1f} | {diff.max():.3g} | {relative:.3g} "
            f"| {per_image:.3g} | {np.mean(other == base):.1%} |"
        )


def print_classifiers(results: dict[str, list[dict]]) -> None:
    """Per classifier: each run's accuracy and how many validation predictions differ from the default run's."""
    names = list(results)
    print("| classifier | " + " | ".join(f"{n} accuracy | changed" for n in names) + " |")
    print("|---|" + "---|---|" * len(names))
    for i, default in enumerate(results["default"]):
        cells = [
            f"{results[n][i]['accuracy']:.3f} | {changed(default, results[n][i])}" for n in names
        ]
        print(f"| {default['name']} | " + " | ".join(cells) + " |")


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--images", type=int, default=32, help="synthetic images (half ants, half bees)"
    )
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precisions", action="store_true", help="float32 against bfloat16")
    parser.add_argument(
        "--isa", action="append", default=[], help="an instruction-set cap to compare (repeatable)"
    )
    parser.add_argument(
        "--batchnorm",
        choices=["eval", "notebook"],
        default="eval",
        help="features.batchnorm for --isa",
    )
    parser.add_argument("--cuda", action="store_true", help="the GPU against the CPU")
    parser.add_argument(
        "--images-root", type=Path, help="ImageFolder root for --precisions/--isa/--cuda"
    )
    parser.add_argument(
        "--archive-like", action="store_true", help="--precisions/--isa on a hymenoptera-like zip"
    )
    # --isa's child processes: features to this file, the record beside it
    parser.add_argument("--extract-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.extract_to:
        return extract_to(args.images_root, args.batch_size, args.batchnorm, args.extract_to)
    if args.cuda:
        return compare_devices(args.images_root, args.batch_size)
    if args.isa:
        if not args.archive_like:
            return compare_isas(args.images_root, args.isa, args.batch_size, args.batchnorm)
        with tempfile.TemporaryDirectory() as tmp:
            return compare_isas(
                archive_like_root(Path(tmp)), args.isa, args.batch_size, args.batchnorm
            )
    if args.precisions:
        torch.set_num_threads(1)
        if not args.archive_like:
            return compare_precisions(args.images_root, args.batch_size)
        with tempfile.TemporaryDirectory() as tmp:
            return compare_precisions(archive_like_root(Path(tmp)), args.batch_size)
    torch.set_num_threads(args.threads)
    net = features.backbone(weights.resnet50(None, seed=0)[0])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "images"
        ants = args.images // 2
        write_tree(
            root,
            {"train": {"ants": ants, "bees": args.images - ants}},
            seed=0,
            min_side=180,
            max_side=500,
        )
        with torch.inference_mode():  # warm-up: first-call allocations are neither way's cost
            net(torch.zeros(2, 3, 224, 224))
        old, old_s = timed(notebook_way, net, root)
        new, new_s = timed(netlab_way, net, root, args.batch_size, args.threads)
    n = len(new)
    diff = float(np.max(np.abs(old - new)))
    same = old.shape == new.shape and np.allclose(old, new, rtol=1e-4, atol=1e-4)
    print(f"images: {n}, threads: {args.threads}, batch size: {args.batch_size}")
    print(f"notebook (batch 1, autograd, np.vstack): {old_s:7.2f} s  {n / old_s:6.2f} images/s")
    print(f"netlab (batched, no_grad, 1 thread/batch): {new_s:6.2f} s  {n / new_s:6.2f} images/s")
    print(f"speed-up: {old_s / new_s:.2f}x")
    print(f"max |difference| of features: {diff:.2e} (largest |feature|: {np.abs(new).max():.1f})")
    if not same:
        print(
            f"FAIL: features differ (shapes {old.shape} vs {new.shape}, max difference {diff:.2e})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The trainer's pieces against torch and the notebooks, its loop semantics, and its refusals."""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from netlab.toy import datasets, nets, training
from netlab.toy.reference import sequential
from netlab.toy.trainer import choice, codegen, general, kernel_cache, native, vectors


def notebook_error_rate(y1: torch.Tensor, y2: torch.Tensor) -> int:
    """The notebooks' ``error_rate``, verbatim."""
    sum = 0.0
    for i in range(0, y1.size()[0]):
        sum += (y1[i] - 0.5) * (y2[i] - 0.5) <= 0.0
    return int(sum)


@pytest.fixture(params=training.PATHS)
def train(request):
    """``training.train`` on each path in turn: every semantic test holds on every path."""
    return functools.partial(training.train, path=request.param)


@pytest.fixture(scope="module")
def noisy():
    return datasets.as_training_arrays(*datasets.noisy(n=120))


def test_error_count_counts_a_half_as_wrong():
    y = np.array([1, 0, 1, 0], np.float32)
    assert nets.error_count(np.array([0.5, 0.5, 0.9, 0.1], np.float32), y) == 2
    assert nets.error_count(np.array([0.2, 0.8, 0.9, 0.1], np.float32), y) == 2
    assert nets.error_count(np.array([0.9, 0.1, 0.6, 0.4], np.float32), y) == 0


def test_error_count_matches_the_notebooks_error_rate():
    rng = np.random.default_rng(0)
    pred = rng.random(300).astype(np.float32)
    pred[::7] = 0.5
    y = (rng.random(300) < 0.5).astype(np.float32)
    expected = notebook_error_rate(
        torch.from_numpy(pred).reshape(-1, 1), torch.from_numpy(y).reshape(-1, 1)
    )
    assert nets.error_count(pred, y) == expected
    assert nets.error_count(pred.reshape(-1, 1), y.reshape(-1, 1)) == expected


def test_init_params_shapes_bounds_and_determinism():
    sizes = [2, 8, 4, 1]
    params = nets.init_params(sizes, seed=11)
    assert [(w.shape, b.shape) for w, b in params] == [
        ((8, 2), (8,)),
        ((4, 8), (4,)),
        ((1, 4), (1,)),
    ]
    for (w, b), fan_in in zip(params, sizes[:-1], strict=True):
        assert w.dtype == b.dtype == np.float32
        assert np.abs(w).max() <= 1 / math.sqrt(fan_in) and np.abs(b).max() <= 1 / math.sqrt(fan_in)
    again = nets.init_params(sizes, seed=11)
    other = nets.init_params(sizes, seed=12)
    assert all(
        np.array_equal(a, b)
        for (wa, ba), (wb, bb) in zip(params, again, strict=True)
        for a, b in ((wa, wb), (ba, bb))
    )
    assert not np.array_equal(params[0][0], other[0][0])


@pytest.mark.parametrize("fan_in", [2, 8])
def test_init_params_draws_like_torch_linear(fan_in):
    """Same law as ``nn.Linear``'s default init: uniform on +-1/sqrt(fan_in) for weights and biases."""
    torch.manual_seed(0)
    layers = [torch.nn.Linear(fan_in, 64) for _ in range(40)]
    torch_w = np.concatenate([layer.weight.detach().numpy().ravel() for layer in layers])
    torch_b = np.concatenate([layer.bias.detach().numpy() for layer in layers])
    ours = [nets.init_params([fan_in, 64], seed) for seed in range(40)]
    our_w = np.concatenate([p[0][0].ravel() for p in ours])
    our_b = np.concatenate([p[0][1] for p in ours])
    bound = 1 / math.sqrt(fan_in)
    for torch_values, our_values in ((torch_w, our_w), (torch_b, our_b)):
        for values in (torch_values, our_values):
            assert np.abs(values).max() <= bound
            assert np.abs(values).max() > 0.97 * bound  # the bound is reached, not a narrower law
            assert np.mean(values) == pytest.approx(0, abs=0.06 * bound)
            assert np.std(values) == pytest.approx(
                bound / math.sqrt(3), rel=0.06
            )  # uniform, not normal


def test_predict_matches_torch_sequential(noisy):
    x, _ = noisy
    params = nets.init_params(nets.layer_sizes(2, 8), seed=3)
    with torch.no_grad():
        expected = sequential(params)(torch.from_numpy(x)).numpy().ravel()
    np.testing.assert_allclose(nets.predict(params, x), expected, rtol=1e-6, atol=1e-7)


def test_bce_loss_matches_torch_including_saturated_outputs():
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-45, 1 - 2**-24, 0.5, 0.3, 0.999], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0], np.float32)
    expected = torch.nn.BCELoss()(torch.from_numpy(p), torch.from_numpy(y)).item()
    assert nets.bce_loss(p, y) == pytest.approx(expected, rel=1e-6)
    assert (
        nets.bce_loss(np.array([0.0], np.float32), np.array([1.0], np.float32)) == 100.0
    )  # log(0) clamped


def test_training_through_saturated_outputs_follows_torch(train):
    """z = 10 x1 from -40 to 40: p rounds to exactly 0 or 1 (clamped logs, zero gradient) or is so small that
    p (1 - p) < 1e-12 and the eps guard shapes the gradient, as in torch."""
    from netlab.toy.reference import train_reference

    x1 = np.array([-4.0, -3.0, -2.5, -1.0, 0.5, 1.0, 2.0, 3.0, 4.0], np.float32)
    x = np.stack([x1, np.zeros_like(x1)], axis=1)
    y = np.array([1, 1, 0, 0, 1, 1, 0, 1, 0], np.float32)
    params = [(np.array([[10.0, 0.0], [-10.0, 0.0]], np.float32), np.zeros(2, np.float32)),
              (np.array([[1.0, -1.0]], np.float32), np.zeros(1, np.float32))]  # fmt: skip
    p = nets.predict(params, x)
    assert p[0] > 0 and p[0] * (1 - p[0]) < 1e-12 and p[-1] == 1.0
    # the loss exceeds 1.0 (clamped logs count 100), so the first check ends the run: make it the last iteration
    fast = train(x, y, params, check_every=300, max_iter=300)
    ref = train_reference(x, y, params, check_every=300, max_iter=300)
    assert fast.checkpoints[0][1] == pytest.approx(ref.checkpoints[0][1], rel=1e-6)
    assert fast.final_loss == pytest.approx(ref.final_loss, rel=1e-6)
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-4, atol=1e-5)


def test_a_wide_layer_and_three_inputs_follow_torch(train):
    """30 inputs to the output unit: more than one summing pass per unit (``codegen.GROUP``); d = 3 inputs."""
    from netlab.toy.reference import train_reference

    rng = np.random.default_rng(7)
    x = rng.normal(size=(150, 3)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] - x[:, 2] > 0).astype(np.float32)
    params = nets.init_params([3, 30, 1], seed=7)
    assert codegen.GROUP < 30
    fast = train(x, y, params, check_every=50, tol=0.0, max_iter=1000)
    ref = train_reference(x, y, params, check_every=50, tol=0.0, max_iter=1000)
    assert len(fast.checkpoints) == len(ref.checkpoints) == 20
    np.testing.assert_allclose(
        [c[1] for c in fast.checkpoints], [c[1] for c in ref.checkpoints], atol=1e-5
    )
    for (w_fast, b_fast), (w_ref, b_ref) in zip(fast.params, ref.params, strict=True):
        np.testing.assert_allclose(w_fast, w_ref, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(b_fast, b_ref, rtol=1e-3, atol=1e-5)


def test_max_iter_caps_t(noisy, train):
    x, y = noisy
    params = nets.init_params(nets.layer_sizes(1, 4), seed=1)
    result = train(x, y, params, check_every=7, max_iter=50, tol=0.0)
    assert result.iterations == 50 and not result.converged
    assert [t for t, _ in result.checkpoints] == list(range(7, 50, 7))
    one_step = train(x, y, params, max_iter=2)  # t starts at 1: one forward, one step
    assert one_step.iterations == 2 and one_step.checkpoints == []
    assert not np.array_equal(one_step.params[0][0], params[0][0])


def test_checks_compare_with_the_previous_check_starting_from_one(noisy, train):
    x, y = noisy
    params = nets.init_params(nets.layer_sizes(1, 4), seed=1)
    # 1.0 - (loss at t = 10, about 0.7) exceeds 0.2, so the run goes on; the next decrease is far below 0.2
    result = train(x, y, params, check_every=10, tol=0.2)
    assert 1.0 - result.checkpoints[0][1] > 0.2
    assert (
        result.converged
        and result.iterations == 20
        and [t for t, _ in result.checkpoints] == [10, 20]
    )
    # and a tol above 1.0 - loss stops at the very first check
    assert train(x, y, params, check_every=10, tol=0.5).iterations == 10


def test_a_check_sees_the_forward_pass_before_its_step_and_the_step_is_taken(noisy, train):
    x, y = noisy
    params = nets.init_params(nets.layer_sizes(2, 4), seed=2)
    converged = train(x, y, params, check_every=25, tol=0.5)
    assert converged.converged and converged.iterations == 25
    # the loss at t = 25 is that of the weights after 23 steps (t = 2..24) ...
    before = train(x, y, params, max_iter=24)
    assert converged.checkpoints[0][1] == pytest.approx(before.final_loss, abs=1e-6)
    # ... and training stops after the step of t = 25, as a run capped at t = 25 does
    capped = train(x, y, params, max_iter=25)
    for (w_a, b_a), (w_b, b_b) in zip(converged.params, capped.params, strict=True):
        assert np.array_equal(w_a, w_b) and np.array_equal(b_a, b_b)
    assert not np.array_equal(capped.params[0][0], before.params[0][0])


def test_many_checks_are_all_collected(noisy, train):
    x, y = noisy
    params = nets.init_params(nets.layer_sizes(1, 4), seed=4)
    result = train(
        x, y, params, check_every=1, tol=0.0, max_iter=2500
    )  # more checks than one call holds
    assert [t for t, _ in result.checkpoints] == list(range(2, 2501))
    assert result.iterations == 2500


def test_train_leaves_the_initial_params_alone(noisy, train):
    x, y = noisy
    params = nets.init_params(nets.layer_sizes(1, 4), seed=5)
    copy = [(w.copy(), b.copy()) for w, b in params]
    train(x, y, params, max_iter=20)
    assert all(
        np.array_equal(a, b)
        for (wa, ba), (wb, bb) in zip(params, copy, strict=True)
        for a, b in ((wa, wb), (ba, bb))
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"check_every": 0}, "check_every"),
        ({"check_every": 2.5}, "check_every"),
        ({"max_iter": 1}, "max_iter"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"tol": float("inf")}, "tol"),
        ({"x": np.zeros((5, 2), np.float32)}, "x must be"),
        ({"x": np.full((120, 2), np.nan, np.float32)}, "NaN"),
        ({"x": np.zeros((120, 3), np.float32)}, "layer sizes"),
        ({"y": np.full(120, 0.5, np.float32)}, "0/1"),
        ({"params": [(np.zeros((4, 2), np.float32), np.zeros(3, np.float32))]}, "do not chain"),
        (
            {"params": [(np.full((1, 2), np.inf, np.float32), np.zeros(1, np.float32))]},
            "initial parameters",
        ),
        ({"path": "gpu"}, "path must be"),
    ],
)
@pytest.mark.parametrize("path", [None, *training.PATHS])
def test_bad_input_is_refused_before_training(noisy, change, message, path):
    x, y = noisy
    args = {"x": x, "y": y, "params": nets.init_params(nets.layer_sizes(1, 4), seed=0)}
    settings = {"max_iter": 10, "path": path}
    for key, value in change.items():
        (args if key in args else settings)[key] = value
    with pytest.raises(ValueError, match=message):
        training.train(args["x"], args["y"], args["params"], **settings)


def test_kernel_source_is_written_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv(kernel_cache.KERNEL_DIR_ENV, str(tmp_path))
    assert kernel_cache.kernel_dirs() == [tmp_path]
    first = kernel_cache._write_new([tmp_path], "k.py", "A = 1\n")
    mtime = first.stat().st_mtime_ns
    second = kernel_cache._write_new([tmp_path], "k.py", "A = 1\n")  # a job that lost the race
    assert first == second == tmp_path / "k.py"
    assert second.stat().st_mtime_ns == mtime and second.read_text() == "A = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.py"]  # no temporary left behind


def test_kernel_source_goes_to_the_next_writable_directory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    spare = tmp_path / "spare"
    assert (
        kernel_cache._write_new([blocker / "kernels", spare], "k.py", "A = 1\n") == spare / "k.py"
    )


def test_no_writable_kernel_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError, match="NETLAB_KERNEL_DIR"):
        kernel_cache._write_new([blocker / "kernels"], "k.py", "A = 1\n")


def test_trial_jobs_do_not_import_torch():
    code = "import sys, netlab.toy.nets, netlab.toy.train_trials; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


def test_the_path_follows_the_cost_of_the_run():
    # the notebooks' nets, long runs or short: the fused kernel (the general loop loads numba too)
    assert choice.choose_path([2, 8, 8, 1], 800, None) == "fused"
    assert choice.choose_path([2, 4, 1], 100, 200_000) == "fused"
    assert choice.choose_path([2, 8, 1], 100, 200) == "fused"
    assert choice.run_cost_s("general", [2, 8, 1], 100, 200) > choice.run_cost_s(
        "fused", [2, 8, 1], 100, 200
    )
    # nets whose kernel would compile too long: the general loop, however long the run
    assert not choice.fused_allowed([2, 64, 64, 1]) and not choice.fused_allowed([2, 128, 1])
    assert choice.choose_path([2, 64, 64, 1], 800, None) == "general"
    assert choice.fused_allowed([2, 8, 8, 1]) and choice.compile_s([2, 8, 8, 1]) < 15
    # what was chosen is what ran
    x, y = datasets.as_training_arrays(*datasets.noisy(n=50))
    assert training.train(x, y, nets.init_params([2, 64, 64, 1], 0), max_iter=10).path == "general"


def test_declared_resources_grow_with_the_net_and_the_data():
    general = choice.trial_mem_mb([2, 64, 64, 1], 100, 200)
    assert choice.trial_mem_mb([2, 4, 1], 100, None) > general  # a fused job may compile its kernel
    assert choice.trial_mem_mb([2, 256, 256, 1], 100_000, None) > choice.trial_mem_mb(
        [2, 256, 256, 1], 800, None
    )
    assert choice.trial_runtime_min([2, 256, 256, 1], 800, None) > choice.trial_runtime_min(
        [2, 4, 1], 100, 3000
    )
    assert datasets.size({"generator": "noisy"}) == 800
    assert datasets.size({"generator": "xor", "n": 60, "margin": 0.5}) == 60


def test_a_files_size_is_what_the_notebooks_reader_reads(tmp_path):
    """The cost model counts a user's file as ``np.loadtxt`` reads it: comments, blank lines, CR endings."""
    text = "# x1 x2 label\r\n1 2 1  # first\r\n\r\n   \r\n3 4 -1\r5 6 1\n  # the end\n"
    path = tmp_path / "mine.txt"
    path.write_bytes(text.encode())
    assert datasets.size({"path": str(path)}) == len(np.loadtxt(path)) == 3
    # read once per content: the same file again costs no read, an edited one is counted again
    path.write_bytes(text.encode() + b"7 8 -1\n")
    assert datasets.size({"path": str(path)}) == len(np.loadtxt(path)) == 4


def test_a_compile_is_announced_timed_and_kept_apart_from_training(
    tmp_path, monkeypatch, caplog, capfd
):
    monkeypatch.setenv(kernel_cache.KERNEL_DIR_ENV, str(tmp_path))
    x, y = datasets.as_training_arrays(*datasets.noisy(n=60))
    params = nets.init_params([2, 3, 2, 1], 0)
    with caplog.at_level("INFO", logger="netlab.toy.trainer"):
        result = training.train(x, y, params, check_every=1, tol=0.0, max_iter=25, path="fused")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "compiling the trainer for 2-3-2-1 (once per machine)"
    assert messages[1].startswith("compiled the trainer for 2-3-2-1 in ")
    assert [m.split(" loss")[0] for m in messages[2:]] == [
        "training 2-3-2-1: t=11",
        "training 2-3-2-1: t=21",
    ]
    assert (
        "compiling the trainer for 2-3-2-1" in capfd.readouterr().err
    )  # on Snakemake's console too
    assert result.path == "fused" and result.setup_s > 0.2 and result.train_s < result.setup_s
    again = training.train(x, y, params, check_every=1, tol=0.0, max_iter=25, path="fused")
    assert again.setup_s < 0.05 and again.wait_s == 0.0  # this process has the kernel now


def test_a_job_waits_for_another_jobs_compile_under_a_portable_lock(tmp_path, monkeypatch):
    monkeypatch.setenv(kernel_cache.KERNEL_DIR_ENV, str(tmp_path))
    sizes = (2, 2, 3, 1)
    lock_path = kernel_cache.kernel_file(sizes).with_suffix(".lock")
    holder = (  # another job, compiling: holds the lock for 0.8 s
        "import sys, time, filelock\n"
        "with filelock.FileLock(sys.argv[1]):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(0.8)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", holder, str(lock_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().strip() == "held"
        kernel = kernel_cache.fused_kernel(sizes)
    finally:
        other.wait(timeout=60)
    assert kernel.wait_s >= 0.5 and kernel.compiled


needs_cc = pytest.mark.skipif(native.c_compiler() is None, reason="no C compiler to link a library")
FUSED_RUN = (  # a trial job on the fused path: prints what it imported and what it computed
    "import json, sys\n"
    "from netlab.toy import datasets, nets, training\n"
    "x, y = datasets.as_training_arrays(*datasets.noisy(n=80))\n"
    "r = training.train(x, y, nets.init_params([2, 3, 3, 1], 1), max_iter=3000, check_every=100, path='fused')\n"
    "print(json.dumps({'numba': 'numba' in sys.modules, 'loss': r.final_loss, 't': r.iterations,\n"
    "                  'checks': r.checkpoints, 'w': [w.tolist() for w, _ in r.params]}))\n"
)


def fused_job(kernels, **env) -> dict:
    """Run ``FUSED_RUN`` as a fresh process with kernel directory ``kernels``."""
    env = {**os.environ, kernel_cache.KERNEL_DIR_ENV: str(kernels), **env}
    done = subprocess.run(
        [sys.executable, "-c", FUSED_RUN], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def first_job(tmp_path_factory) -> tuple[Path, bool, dict]:
    """A kernel directory of its own, and the first job run with it: whether it imported numba (it
    compiled the kernel), and what it computed."""
    kernels = tmp_path_factory.mktemp("kernels in a folder with spaces")
    result = fused_job(kernels)
    return kernels, result.pop("numba"), result


def host_library(kernels: Path) -> Path:
    """The library of ``FUSED_RUN``'s kernel for this machine's CPU in ``kernels``."""
    (library,) = kernels.glob(f"fused_2_3_3_1_*.{native.machine_tag()}.so")
    return library


@needs_cc
def test_later_jobs_load_the_library_without_numba_and_compute_the_same(first_job):
    kernels, compiled, first = first_job
    later = fused_job(kernels)
    assert compiled and not later.pop("numba")  # only the compiling job imports numba
    assert first == later
    assert host_library(kernels).is_file()


# Other systems, simulated here: what each one's fallback does.
def test_each_os_gets_its_librarys_name_and_windows_loads_through_numba(monkeypatch):
    source = Path("fused_2_3_1_abc.py")
    for system, suffix in (("linux", ".so"), ("darwin", ".dylib")):
        monkeypatch.setattr(sys, "platform", system)
        assert native.library_name(source).endswith(suffix)
    monkeypatch.setattr(sys, "platform", "win32")
    assert native.c_compiler() is None  # COFF: no weak symbols, so numba's cache, same numbers


def test_without_proc_cpuinfo_the_flags_and_the_cpu_come_from_llvm(monkeypatch):
    linux_flags, linux_tag = native.cpu_flags(), native.machine_tag()
    monkeypatch.setattr(native, "_linux_cpu", lambda: None)  # macOS, Windows
    llvm_flags = native.cpu_flags()
    assert {"avx2", "fma", "avx512f"} & linux_flags == {"avx2", "fma", "avx512f"} & llvm_flags
    assert vectors.vector_bits(llvm_flags) == vectors.vector_bits(linux_flags)
    assert native.machine_tag() != linux_tag  # named from LLVM's CPU and features instead


def vector_registers(library: Path) -> set[str]:
    """The x86 vector register families (xmm, ymm, zmm) a library's machine code uses (``objdump``)."""
    code = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(library)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return set(re.findall(r"%([xyz]mm)\d", code))


@needs_cc
def test_a_library_is_never_loaded_for_another_cpu(first_job):
    kernels, compiled, host = first_job
    generic = fused_job(kernels, NUMBA_CPU_NAME="x86-64", NUMBA_CPU_FEATURES="+64bit,+sse,+sse2")
    assert compiled and generic.pop("numba")  # the second job compiled for its CPU setting
    libraries = {p.name.rsplit(".", 2)[1]: p for p in kernels.glob("fused_2_3_3_1_*.so")}
    assert len(libraries) == 2 and libraries[native.machine_tag()] == host_library(kernels)
    # another CPU's machine code, the same numbers (tests/test_cpu_targets.py)
    assert generic == host
    if shutil.which("objdump") and platform.machine() == "x86_64":
        # each library holds the vector width its name says: numba builds its CPU target once per process,
        # from the settings made before (a library named for 512 bits once held 256-bit code: 7-8 µs an
        # iteration at 2-8-8-1 instead of 5.7)
        mine = vector_registers(libraries.pop(native.machine_tag()))
        assert ("zmm" in mine) == (vectors.WIDE in native.cpu_flags()), mine
        (baseline,) = libraries.values()
        assert vector_registers(baseline) == {"xmm"}  # SSE2: 128 bits


def test_without_a_c_compiler_numba_runs_the_same_loop(tmp_path, monkeypatch, capfd):
    x, y = datasets.as_training_arrays(*datasets.noisy(n=80))

    def job() -> training.TrainResult:
        kernel_cache._load.cache_clear()  # as a new job would
        return training.train(x, y, nets.init_params([2, 4, 1], 4), max_iter=2000, path="fused")

    # the library in the tests' shared kernel cache (conftest.py), as the test config's runs made it
    with_library = job() if native.c_compiler() else None
    monkeypatch.setenv(kernel_cache.KERNEL_DIR_ENV, str(tmp_path / "no-cc"))
    monkeypatch.setattr(native, "c_compiler", lambda: None)
    capfd.readouterr()
    without = job()
    assert "no C compiler ($CC or cc) to keep the trainer for 2-4-1" in capfd.readouterr().err
    assert not list((tmp_path / "no-cc").glob("*.so"))
    if with_library is not None:  # numba's code and the library: one fixed order, the same bytes
        assert without.checkpoints == with_library.checkpoints
        assert without.final_loss == with_library.final_loss
        for (w1, b1), (w2, b2) in zip(without.params, with_library.params, strict=True):
            assert w1.tobytes() == w2.tobytes() and b1.tobytes() == b2.tobytes()


@needs_cc
@pytest.mark.parametrize("n", [1, 20, 800, 1025, 3000])
def test_every_row_of_the_trainers_arrays_starts_on_a_cache_line(n):
    """numpy promises 16 bytes; a 512-bit vector at 16 or 48 past a line straddles two (15-25 % slower)."""
    x, y = datasets.as_training_arrays(*datasets.noisy(n=n))
    layout, sizes = codegen.Layout((2, 8, 8, 1)), (2, 16, 1)
    flat = nets.flatten(nets.init_params(list(sizes), 0))[0]
    for _ in range(8):  # numpy's addresses vary from one allocation to the next
        buf = codegen.blocks(x, y, layout)
        assert buf.dtype == np.float32 and buf.flags.c_contiguous
        assert (
            buf.reshape(-1, codegen.STRIDE)[0, : min(n, codegen.BLOCK)] == x[: codegen.BLOCK, 0]
        ).all()
        rows = [
            buf[c, r * codegen.STRIDE :] for c in range(len(buf)) for r in range(len(layout.row))
        ]
        acts, targets, *_, deltas = general.arrays(x, y, flat, sizes)
        rows += [a[r:] for a in (acts, deltas) for r in range(len(a))] + [targets]
        assert {row.ctypes.data % codegen.ALIGN for row in rows} == {0}
        assert not deltas.any() and (acts[:2, :n] == x.T).all() and (targets[:n] == y).all()


def test_the_library_refuses_arrays_the_machine_code_cannot_take():
    sizes = (2, 4, 1)  # the test config's, in the tests' shared kernel cache (conftest.py)
    kernel_cache._load.cache_clear()
    descend = kernel_cache.fused_kernel(sizes).descend
    layout = codegen.Layout(sizes)
    x, y = datasets.as_training_arrays(*datasets.noisy(n=20))
    buf = codegen.blocks(x, y, layout)
    flat = np.zeros(len(layout.offset), np.float32)
    checks = (np.empty(4, np.int64), np.empty(4, np.float64))

    def call(buf=buf, flat=flat, n=20):
        return descend(buf, n, flat, np.empty_like(flat), 0.25, 1e-4, 10, 20, 1, 1.0, *checks)

    assert call()[0] == 20
    with pytest.raises(TypeError, match="float32"):
        call(flat=flat.astype(np.float64))
    with pytest.raises(ValueError, match="wrong shapes"):
        call(flat=flat[:-1])
    with pytest.raises(ValueError, match="wrong shapes"):
        call(n=buf.shape[0] * codegen.BLOCK + 1)


@needs_cc
def test_nowhere_to_keep_the_library_is_said_and_numba_runs(tmp_path, monkeypatch, capfd):
    def refuse(descend, sizes, target, cc):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setenv(kernel_cache.KERNEL_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(native, "export", refuse)
    kernel_cache._load.cache_clear()
    x, y = datasets.as_training_arrays(*datasets.noisy(n=40))
    result = training.train(x, y, nets.init_params([2, 2, 2, 1], 5), max_iter=50, path="fused")
    err = capfd.readouterr().err
    assert f"cannot keep the trainer's library ({tmp_path}: Permission denied)" in err
    assert result.iterations == 50 and not list(tmp_path.glob("*.so"))


# The vector width, from the CPU's flags (netlab.toy.trainer.vectors): both families' real flags.
AVX512 = {"avx512f", "avx512dq", "avx512ifma", "avx512cd", "avx512bw", "avx512vl", "avx512_bf16",
          "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq"}  # fmt: skip
AVX2_ONLY = {"fpu", "sse", "sse2", "avx", "avx2", "fma"}
ZEN4 = AVX2_ONLY | AVX512  # AMD EPYC (Zen 4), as this project's machine reports them
EMERALD_RAPIDS = (
    AVX2_ONLY | AVX512 | {"avx512_fp16", "amx_bf16", "amx_tile", "amx_int8"}
)  # Intel Xeon


@pytest.mark.parametrize("flags", [ZEN4, EMERALD_RAPIDS], ids=["amd-zen4", "intel-emerald-rapids"])
def test_a_cpu_with_avx512_gets_512_bit_vectors(flags):
    assert vectors.vector_bits(flags) == 512
    features = vectors.llvm_features("+avx2,+avx512f,+prefer-256-bit,+fma", 512)
    assert features.split(",") == ["+avx2", "+avx512f", "+fma", "-prefer-256-bit"]


def test_other_cpus_keep_llvms_choice_and_the_override_wins():
    assert vectors.vector_bits(AVX2_ONLY) is None
    assert vectors.llvm_features("+avx2,+fma", None) == "+avx2,+fma"
    assert vectors.vector_bits(ZEN4, "256") == 256
    assert vectors.llvm_features("+avx512f", 256) == "+avx512f,+prefer-256-bit"
    with pytest.raises(ValueError, match="NETLAB_VECTOR_BITS=512: this CPU has no AVX-512"):
        vectors.vector_bits(AVX2_ONLY, "512")
    with pytest.raises(ValueError, match="NETLAB_VECTOR_BITS must be 256 or 512, not '1024'"):
        vectors.vector_bits(ZEN4, "1024")


def test_the_vector_width_is_part_of_the_librarys_name(monkeypatch):
    default = native.machine_tag()
    monkeypatch.setenv(vectors.VECTOR_BITS_ENV, "256")
    narrow = native.machine_tag()
    assert narrow != default
    assert ("+prefer-256-bit" in native.target_cpu()[1]) == ("avx512f" in native.cpu_flags())

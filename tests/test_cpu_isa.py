"""The CPU and instruction sets the features record: read from the OS and the libraries' verbose headers."""

from __future__ import annotations

import platform
import subprocess
import sys

import torch

from netlab.images import cpu_isa

# the headers as oneDNN 3.12 and oneMKL 2024.0 print them, on Linux and (MKL) on Windows
ONEDNN = """onednn_verbose,v1,info,oneDNN v3.12.0 (commit 80afa71049cd69a3df32adcccb623b12cd7baa22)
onednn_verbose,v1,info,cpu,runtime:OpenMP,nthr:2
onednn_verbose,v1,info,cpu,isa:Intel AVX2
onednn_verbose,v1,info,gpu,runtime:none
"""
MKL = (
    "MKL_VERBOSE oneMKL 2024.0 Update 2 Product build 20240605 for Intel(R) 64 architecture Intel(R) "
    "Advanced Vector Extensions 512 (Intel(R) AVX-512) with support for INT8, BF16, FP16 (limited) "
    "instructions, and Intel(R) Advanced Matrix Extensions (Intel(R) AMX) with INT8 and BF16, Lnx 2.60GHz "
    "lp64 gnu_thread\nMKL_VERBOSE SGEMM(N,N,1,1,1,0x7ffd,0x55c5,1,0x55c5,1,0x7ffd,0x55c5,1) 100.65us CNR:OFF\n"
)
MKL_WINDOWS = (
    "MKL_VERBOSE oneMKL 2024.0 Product build 20240605 for Intel(R) 64 architecture Intel(R) Advanced "
    "Vector Extensions 2 (Intel(R) AVX2) enabled processors, Win 3.00GHz lp64 intel_thread\n"
)


def test_the_instruction_set_is_read_from_each_librarys_header():
    assert cpu_isa.verbose_isa(cpu_isa.ONEDNN_HEADER, ONEDNN) == "Intel AVX2"
    assert cpu_isa.verbose_isa(cpu_isa.MKL_HEADER, MKL) == (
        "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) with support for INT8, BF16, FP16 "
        "(limited) instructions, and Intel(R) Advanced Matrix Extensions (Intel(R) AMX) with INT8 and BF16"
    )
    assert cpu_isa.verbose_isa(cpu_isa.MKL_HEADER, MKL_WINDOWS) == (
        "Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors"
    )
    # a header printed before (once per process) is not guessed from the kernels' lines
    assert cpu_isa.verbose_isa(cpu_isa.MKL_HEADER, MKL.splitlines()[1]) is None
    assert cpu_isa.verbose_isa(cpu_isa.ONEDNN_HEADER, MKL) is None


def test_this_process_reports_what_it_dispatches_to():
    recorded = cpu_isa.instruction_set()
    assert recorded["ATen"] == torch.backends.cpu.get_cpu_capability()
    assert (recorded["oneDNN"] is not None) == torch.backends.mkldnn.is_available()
    assert (recorded["MKL"] is not None) == bool(torch.backends.mkl.is_available())
    assert (
        cpu_isa.instruction_set() == recorded
    )  # a second probe reads the same (headers print once)


def test_the_cpu_model_from_linux_macos_or_platform(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold\n"
    )
    monkeypatch.setattr(cpu_isa, "CPUINFO", info)
    assert cpu_isa.cpu_model() == "Intel(R) Xeon(R) Gold"
    # Arm Linux has no model name: what platform knows
    info.write_text("processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n")
    monkeypatch.setattr(platform, "processor", lambda: "")
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert cpu_isa.cpu_model() == "aarch64"
    # Windows: no /proc/cpuinfo, platform names family and model
    monkeypatch.setattr(cpu_isa, "CPUINFO", tmp_path / "absent")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(platform, "processor", lambda: "Intel64 Family 6 Model 85 Stepping 7")
    assert cpu_isa.cpu_model() == "Intel64 Family 6 Model 85 Stepping 7"
    # macOS: sysctl's brand string
    monkeypatch.setattr(sys, "platform", "darwin")
    asked = []

    def sysctl(cmd, **kwargs):
        asked.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout="Apple M2\n")

    monkeypatch.setattr(subprocess, "run", sysctl)
    assert cpu_isa.cpu_model() == "Apple M2"
    assert asked == [["sysctl", "-n", "machdep.cpu.brand_string"]]

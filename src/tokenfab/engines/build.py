"""Build llama.cpp's tools once per machine and cache them.

Source: the llama.cpp tree vendored in the ``llama-cpp-python`` sdist (MIT), fetched from PyPI
with pip and checked against a pinned SHA-256. Built with CMake (static, native CPU flags) into
``$TOKENFAB_CACHE/llama.cpp/<key>/bin``; the key covers the source version, the CPU
architecture and its instruction-set flags, so a cached build is never run on a CPU it was not
compiled for. About 8-15 minutes on 2 cores, once.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from tokenfab.errors import EngineError
from tokenfab.hashing import sha256_file, sha256_text

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
LLAMA_CPP_PYTHON_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
# Bump when build flags change so stale caches are not reused.
BUILD_REV = 2
# AMX tiles crash ggml in VMs that report AMX but do not grant the tile state; keep native
# vector ISA (AVX2/AVX-512) and turn AMX off explicitly (explicit -m flags beat -march).
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
TOOLS = ("llama-server", "llama-quantize", "llama-perplexity", "llama-bench")


def cache_root() -> Path:
    """``$TOKENFAB_CACHE`` or ``~/.cache/tokenfab``."""
    return Path(os.environ.get("TOKENFAB_CACHE", Path.home() / ".cache" / "tokenfab"))


def cpu_key() -> str:
    """Architecture plus a short hash of the CPU's instruction-set flags."""
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = " ".join(sorted(line.split(":", 1)[1].split()))
                break
    except OSError:
        pass
    digest = sha256_text(flags)[:10]
    return f"{platform.machine()}-{digest}"


def bin_dir() -> Path:
    key = f"lcp{LLAMA_CPP_PYTHON_VERSION}-r{BUILD_REV}-{cpu_key()}"
    return cache_root() / "llama.cpp" / key / "bin"


def find_tool(name: str) -> Path | None:
    """A built tool: ``$TOKENFAB_LLAMA_BIN_DIR``, then the cache, then ``PATH``."""
    env_dir = os.environ.get("TOKENFAB_LLAMA_BIN_DIR")
    candidates = [Path(env_dir) / name] if env_dir else []
    candidates.append(bin_dir() / name)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    found = shutil.which(name)
    return Path(found) if found else None


def _run(cmd: list[str], log: Path, cwd: Path | None = None) -> None:
    with log.open("ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise EngineError(
            f"building llama.cpp failed at `{cmd[0]} {cmd[1] if len(cmd) > 1 else ''}`; "
            f"see {log} (needs cmake and a C++ compiler: apt-get install cmake g++)"
        )


def fetch_source(work: Path, log: Path) -> Path:
    """Download the pinned sdist with pip, verify it, return the vendored llama.cpp tree."""
    sdist_dir = cache_root() / "sdist"
    sdist_dir.mkdir(parents=True, exist_ok=True)
    sdist = sdist_dir / f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"
    if not sdist.is_file():
        _run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}", "-d", str(sdist_dir)],
            log,
        )
    digest = sha256_file(sdist)
    pinned = os.environ.get("TOKENFAB_LLAMA_SDIST_SHA256", LLAMA_CPP_PYTHON_SHA256)
    if digest != pinned:
        sdist.unlink()
        raise EngineError(
            f"llama-cpp-python sdist hash {digest[:12]}… does not match the pin {pinned[:12]}…; "
            "re-run to download it again"
        )
    prefix = f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}/vendor/llama.cpp/"
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
        tar.extractall(work, members=members, filter="data")
    return work / prefix


def _no_amx_flags() -> list[str]:
    if platform.machine() not in ("x86_64", "AMD64"):
        return []
    return [f"-DCMAKE_C_FLAGS={NO_AMX}", f"-DCMAKE_CXX_FLAGS={NO_AMX}"]


def build(jobs: int | None = None, quiet: bool = False) -> Path:
    """Build (or reuse) the llama.cpp tools; returns the directory holding them."""
    target = bin_dir()
    if all((target / t).is_file() for t in TOOLS):
        return target
    if shutil.which("cmake") is None:
        raise EngineError("cmake not found; install it (apt-get install cmake) and re-run")
    target.parent.mkdir(parents=True, exist_ok=True)
    log = target.parent / "build.log"
    jobs = jobs or os.cpu_count() or 2
    if not quiet:
        print(f"tokenfab: building llama.cpp tools once into {target} (log: {log}); "
              "this takes ~10 min on 2 cores", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="tokenfab-llama-") as tmp:
        src = fetch_source(Path(tmp), log)
        build_dir = src / "build"
        _run(
            ["cmake", "-S", str(src), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
             "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
             "-DGGML_NATIVE=ON", "-DBUILD_SHARED_LIBS=OFF", *_no_amx_flags()],
            log,
        )
        _run(["cmake", "--build", str(build_dir), "-j", str(jobs), "--target", *TOOLS], log)
        staging = target.with_name("bin.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for t in TOOLS:
            shutil.copy2(build_dir / "bin" / t, staging / t)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def main() -> None:
    try:
        path = build()
    except EngineError as exc:
        print(f"tokenfab: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(path)


if __name__ == "__main__":
    main()

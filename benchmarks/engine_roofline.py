"""Embedded engine vs. the machine's memory-bandwidth limit for SmolLM2-135M (Q4_1).

decode_limit_tok_s = bandwidth_bytes_per_s / bytes_read_per_token
bytes_read_per_token = weight bytes (the GGUF's tensor data, all read once per step at batch 1)
                       + KV bytes read at the context depth (2 x layers x kv_heads x head_dim x 2 B x depth)
Bandwidth: read bandwidth of a 1 GiB array summed by one thread per core (numpy releases the
GIL), best of 5. Measured decode: TPOT p50 of `tokenfab bench` at 1 stream against llama-server
(32-token prompts, 128 output tokens), and llama-bench's tg128 for reference.

    .venv/bin/python benchmarks/engine_roofline.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from tokenfab.engines.build import find_tool
from tokenfab.engines.llamacpp import EngineSettings, LlamaServer, smollm2_gguf

# SmolLM2-135M architecture (config.json): 30 layers, 3 KV heads, head_dim 64, fp16 KV cache
LAYERS, KV_HEADS, HEAD_DIM, KV_BYTES = 30, 3, 64, 2


def read_bandwidth_bytes_s(threads: int, gib: float = 1.0, repeats: int = 5) -> float:
    n = int(gib * (1 << 30) / 8)
    arr = np.ones(n, dtype=np.float64)
    parts = np.array_split(arr, threads)
    best = 0.0
    for _ in range(repeats):
        ts = [threading.Thread(target=np.sum, args=(p,)) for p in parts]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        best = max(best, arr.nbytes / (time.perf_counter() - t0))
    return best


def measured_decode(depth_tokens: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp, LlamaServer(EngineSettings(parallel_slots=1,
                                                                          ctx_per_slot=512)) as s:
        out = Path(tmp) / "s.json"
        subprocess.run([sys.executable, "-m", "tokenfab.cli.main", "bench", "--url", s.url,
                        "--model", "SmolLM2-135M-Instruct", "--concurrency", "1", "--requests",
                        "8", "--warmup", "1", "--input-tokens", str(depth_tokens),
                        "--output-tokens", "128", "--ignore-eos", "--json", str(out),
                        "--db", f"sqlite:///{tmp}/r.db"], check=True, capture_output=True)
        p = json.loads(out.read_text())["points"][0]
        tpot = p["latency_ms"]["tpot"]["p50"]
        in_per_req = p["tokens"]["input"] / p["requests"]["completed"]
        return 1000.0 / tpot, in_per_req


def llama_bench_tg() -> float | None:
    tool = find_tool("llama-bench")
    if tool is None:
        return None
    out = subprocess.run([str(tool), "-m", str(smollm2_gguf()), "-p", "0", "-n", "128", "-r",
                          "3", "-o", "json"], capture_output=True, text=True, check=False)
    try:
        return float(json.loads(out.stdout)[0]["avg_ts"])
    except (ValueError, KeyError, IndexError):
        return None


def main() -> None:
    cores = os.cpu_count() or 1
    bw = read_bandwidth_bytes_s(cores)
    weights = smollm2_gguf().stat().st_size
    tok_s, in_tokens = measured_decode(32)
    depth = in_tokens + 64  # mean context during decode: prompt + half the output
    kv = 2 * LAYERS * KV_HEADS * HEAD_DIM * KV_BYTES * depth
    limit = bw / (weights + kv)
    tg = llama_bench_tg()
    print(f"memory read bandwidth ({cores} threads): {bw / 1e9:.1f} GB/s (measured)")
    print(f"bytes per decode token: {weights / 1e6:.1f} MB weights + {kv / 1e6:.2f} MB KV at "
          f"depth {depth:.0f} (modelled)")
    print(f"bandwidth limit: {limit:.0f} tok/s (modelled)")
    print(f"tokenfab bench, 1 stream: {tok_s:.1f} tok/s decode = 1000 / TPOT p50 (measured)")
    print(f"  -> {tok_s / limit:.1%} of the memory-bandwidth limit")
    if tg is not None:
        print(f"llama-bench tg128 at depth 0: {tg:.1f} tok/s -> {tg / (bw / weights):.1%} of "
              f"{bw / weights:.0f} tok/s")


if __name__ == "__main__":
    main()

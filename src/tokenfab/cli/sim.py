"""``tokenfab sim``: serve the OpenAI-compatible simulator in the foreground."""

from __future__ import annotations

import click

from tokenfab.engines.sim import SimConfig, serve
from tokenfab.session.loop import run_async


@click.command("sim")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="loopback address to listen on (see --allow-remote)")
@click.option("--allow-remote", is_flag=True,
              help="allow a non-loopback --host (the simulator has no authentication)")
@click.option("--port", type=int, default=8000, show_default=True, help="0 picks a free port")
@click.option("--model", default="sim-model", show_default=True)
@click.option("--ttft-ms", default="80", show_default=True,
              help="TTFT: 80, normal:80:10, lognormal:80:10 or uniform:50:120 (ms)")
@click.option("--itl-ms", default="8", show_default=True, help="per-chunk gap, same forms (ms)")
@click.option("--tokens-per-chunk", type=int, default=1, show_default=True)
@click.option("--batch-slowdown", type=float, default=0.0, show_default=True,
              help="step time x (1 + k (active streams - 1))")
@click.option("--max-concurrency", type=int, default=None, help="queue beyond this many streams")
@click.option("--burst", is_flag=True, help="write each response at once (client ceiling tests)")
@click.option("--error-500-rate", type=float, default=0.0, show_default=True)
@click.option("--error-429-rate", type=float, default=0.0, show_default=True)
@click.option("--disconnect-rate", type=float, default=0.0, show_default=True)
@click.option("--stall-rate", type=float, default=0.0, show_default=True)
@click.option("--stall-ms", type=float, default=500.0, show_default=True)
@click.option("--malformed-rate", type=float, default=0.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def sim_cmd(host: str, allow_remote: bool, port: int, model: str, ttft_ms: str, itl_ms: str,
            tokens_per_chunk: int, batch_slowdown: float, max_concurrency: int | None,
            burst: bool, error_500_rate: float, error_429_rate: float, disconnect_rate: float,
            stall_rate: float, stall_ms: float, malformed_rate: float, seed: int) -> None:
    """Serve a simulated model with known timing and injected faults (Ctrl-C stops it)."""
    cfg = SimConfig.from_flags(  # ConfigError naming the flag on a bad value
        ttft=ttft_ms, itl=itl_ms, host=host, allow_remote=allow_remote, port=port, model=model,
        tokens_per_chunk=tokens_per_chunk, batch_slowdown=batch_slowdown,
        max_concurrency=max_concurrency, burst=burst, error_500_rate=error_500_rate,
        error_429_rate=error_429_rate, disconnect_rate=disconnect_rate,
        stall_rate=stall_rate, stall_ms=stall_ms, malformed_rate=malformed_rate, seed=seed)
    shown = f"[{host.strip('[]')}]" if ":" in host else host

    def ready(p: int) -> None:
        click.echo(f"tokenfab sim: serving {model!r} at http://{shown}:{p} (Ctrl-C to stop)",
                   err=True)

    run_async(serve(cfg, ready=ready))  # ConfigError naming --host/--port if it cannot listen

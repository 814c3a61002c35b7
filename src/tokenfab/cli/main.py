"""``tokenfab`` entry point: one error boundary, one line per error, no tracebacks."""

from __future__ import annotations

import signal
import sys
from importlib import import_module
from types import FrameType

import click
from pydantic import ValidationError

from tokenfab import __version__
from tokenfab.errors import Terminated, TokenfabError, format_validation


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Outside the event loop (e.g. while the engine starts) SIGTERM unwinds from here."""
    raise Terminated()


# name -> (module, attribute, one-line help). Commands are imported only when run, so
# ``tokenfab --help`` and a bad flag answer fast; a test keeps each help line equal to the
# first line of its command's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("tokenfab.cli.run", "run_cmd",
            "Start llama.cpp with an embedded model, benchmark it, price it, stop it."),
    "bench": ("tokenfab.cli.bench", "bench_cmd",
              "Benchmark a running server at each load point and store every request."),
    "sim": ("tokenfab.cli.sim", "sim_cmd",
            "Serve a simulated model with known timing and injected faults."),
    "runs": ("tokenfab.cli.runs", "runs_group", "List, show and export stored runs."),
    "engine": ("tokenfab.cli.engine", "engine_group",
               "Build or inspect the embedded llama.cpp engine."),
    "cost": ("tokenfab.cli.cost", "cost_cmd",
             "$/hour decomposed into hardware, energy and overhead, and $/1M tokens."),
    "hardware": ("tokenfab.cli.hardware", "hardware_group",
                 "Accelerator catalog (vendor spec sheets, indicative prices) and this machine."),
    "claims": ("tokenfab.cli.claims", "claims_cmd",
               "Re-derive the seed articles' headline figures and judge each (modelled)."),
    "plan": ("tokenfab.cli.plan", "plan_cmd",
             "Split a power budget into hardware and priced service tiers that maximise margin."),
    "project": ("tokenfab.cli.project", "project_cmd",
                "Project the throughput-vs-interactivity curve and its price (modelled)."),
    "serve": ("tokenfab.cli.serve", "serve_cmd",
              "A local web dashboard over the results database."),
    "report": ("tokenfab.cli.report", "report_cmd",
               "Report on runs and projection/summary JSON files (HTML, Markdown, SVG, PNG)."),
    "quantize": ("tokenfab.cli.quantize", "quantize_cmd",
                 "Re-quantize each embedded model and measure size, speed, energy, $ and quality."),
    "eval": ("tokenfab.cli.eval", "eval_cmd",
             "Score a model on tasks with checkable answers; price each correct answer."),
    "speculate": ("tokenfab.cli.speculate", "speculate_cmd",
                  "Prompt lookup and draft-model decoding vs plain decoding, priced."),
    "tune": ("tokenfab.cli.tune", "tune_cmd",
             "Cheapest engine configuration meeting a latency SLO and a quality floor."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; ``--help`` lists them from
    :data:`COMMANDS` without importing any."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attr, _ = entry
        command = getattr(import_module(module), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][2]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tokenfab")
def cli() -> None:
    """Measure, model and minimize the cost per token of LLM inference."""


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(args=argv, prog_name="tokenfab", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tokenfab: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"tokenfab: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except TokenfabError as exc:
        click.echo(f"tokenfab: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        click.echo(f"tokenfab: error: {format_validation(exc)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("tokenfab: interrupted; every finished request was kept in the database",
                   err=True)
        sys.exit(130)
    except Terminated:
        click.echo("tokenfab: terminated; every finished request was kept in the database",
                   err=True)
        sys.exit(143)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:
        # Backstop: a file or socket the user named cannot be used (unwritable --json path,
        # read-only data directory, busy port...). One line naming it, never a traceback.
        click.echo(f"tokenfab: error: {_os_error(exc)}", err=True)
        sys.exit(2)


def _os_error(exc: OSError) -> str:
    """``[Errno 13] Permission denied: 'x'`` -> ``cannot use 'x': permission denied``."""
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    what = exc.filename if exc.filename is not None else None
    if what is None:
        return f"{reason[:1].lower()}{reason[1:]}; check the paths, ports and hosts you gave"
    return (f"cannot use '{what}': {reason[:1].lower()}{reason[1:]}; "
            "check the path exists and is writable")


if __name__ == "__main__":
    main()

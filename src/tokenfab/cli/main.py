"""``tokenfab`` entry point: one error boundary, one line per error, no tracebacks."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click
from pydantic import ValidationError

from tokenfab import __version__
from tokenfab.errors import Terminated, TokenfabError, format_validation


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Outside the event loop (e.g. while the engine starts) SIGTERM unwinds from here."""
    raise Terminated()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tokenfab")
def cli() -> None:
    """Measure, model and minimize the cost per token of LLM inference."""


def _register() -> None:
    from tokenfab.cli import (
        bench,
        cost,
        engine,
        eval,
        hardware,
        project,
        quantize,
        report,
        run,
        runs,
        serve,
        sim,
        speculate,
        tune,
    )

    cli.add_command(run.run_cmd)
    cli.add_command(bench.bench_cmd)
    cli.add_command(sim.sim_cmd)
    cli.add_command(runs.runs_group)
    cli.add_command(engine.engine_group)
    cli.add_command(cost.cost_cmd)
    cli.add_command(hardware.hardware_group)
    cli.add_command(project.project_cmd)
    cli.add_command(serve.serve_cmd)
    cli.add_command(report.report_cmd)
    cli.add_command(quantize.quantize_cmd)
    cli.add_command(eval.eval_cmd)
    cli.add_command(speculate.speculate_cmd)
    cli.add_command(tune.tune_cmd)


_register()


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

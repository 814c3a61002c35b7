"""``tokenfab report`` with bad input, as a new user would try it: one ``tokenfab: error:`` line
naming the file or flag, a non-zero exit, never a traceback, and no database created."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line, succeeds

from tokenfab.store import Store

NOWHERE = "/nonexistent/dir"


@pytest.fixture(autouse=True)
def files(tmp_path: Path, isolated_env: Path) -> Path:
    (tmp_path / "bad.json").write_text(
        '{"schema": "tokenfab.run/1", "target": "x", "points": "x"}')
    (tmp_path / "points.json").write_text('{"target": {"model": "m"}, "points": "x"}')
    (tmp_path / "point.json").write_text('{"points": [{"load": {"mode": "concurrency"}}]}')
    (tmp_path / "text.json").write_text("this is not JSON")
    (tmp_path / "latin1.json").write_bytes('{"label": "caf\xe9"}'.encode("latin-1"))
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "tune.json").write_text('{"schema": "tokenfab.tune/1", "trials": []}')
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "adir.json").mkdir()
    (tmp_path / "good.json").write_text(
        '{"kind": "projection", "target": {"model": "m"}, "points": [{"load": {"mode": '
        '"concurrency", "value": 1}, "requests": {"completed": 1, "failed": 0}, '
        '"throughput": {"output_tok_s": 10}}]}')
    return tmp_path


# (argv, words the one line must hold)
CASES: list[tuple[list[str], list[str]]] = [
    (["report", "bad.json"], ["bad.json", "target: Input should be a valid dictionary"]),
    (["report", "points.json"], ["points.json", "points: Input should be a valid list"]),
    (["report", "point.json"], ["point.json", "points.0.load.value: Field required"]),
    (["report", "text.json"], ["text.json", "not valid JSON"]),
    (["report", "latin1.json"], ["latin1.json", "not UTF-8"]),
    (["report", "list.json"], ["list.json", "holds a list"]),
    (["report", "tune.json"], ["tune.json", "a tokenfab.tune/1 document"]),
    (["report", "binary.bin"], ["binary.bin", "not UTF-8"]),
    (["report", "adir.json"], ["adir.json", "is a directory"]),
    (["report", "missing.json"], ["missing.json", "no such file"]),
    (["report"], ["give at least one run id"]),
    (["report", ""], ["empty run id"]),
    (["report", "nope"], ["no run 'nope'", "tokenfab runs list"]),
    (["report", "good.json", "-o", f"{NOWHERE}/r.html"], ["-o", NOWHERE, "does not exist"]),
    (["report", "good.json", "-o", "adir.json"], ["-o adir.json", "is a directory"]),
    (["report", "good.json", "-o", ""], ["-o is empty"]),
    (["report", "good.json", "--format", "bogus"], ["--format 'bogus'", "html, md, svg, png"]),
    (["report", "good.json", "--format", "svg", "--chart", "bogus"],
     ["--chart 'bogus'", "throughput"]),
    (["report", "good.json", "--format", "png", "-o", "-"], ["PNG", "-o chart.png"]),
    (["report", "nope", "--db", "garbage"], ["garbage", "sqlite:///"]),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(a)[:50] for a, _ in CASES])
def test_bad_report_input_is_one_line(args: list[str], words: list[str], files: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(args, capsys, words)
    assert not (files / "home" / "tokenfab.db").exists()  # a report never creates a database


def test_output_is_checked_before_the_database_is_opened(
        files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{files / 'runs.db'}"
    Store(url).close()
    line = fails_in_one_line(["report", "anything", "--db", url, "-o", f"{NOWHERE}/r.html"],
                             capsys)
    assert NOWHERE in line and "no run" not in line


def test_a_good_file_still_reports(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert succeeds(["report", "good.json", "-o", "out.html"], capsys).strip() == "out.html"
    assert (files / "out.html").read_text().startswith("<!DOCTYPE html>")

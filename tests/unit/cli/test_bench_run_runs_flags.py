"""`bench`, `run` and `runs` with bad input: one line naming the flag, a non-zero exit, no
traceback, and nothing contacted or started first (the URL below has no server and the
engine cannot start here, so a flag checked too late fails with the wrong message)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import fails_in_one_line

from tokenfab.store import Store

pytestmark = pytest.mark.usefixtures("isolated_env")

NOWHERE = "/nonexistent/dir"
BENCH = ["bench", "--url", "http://127.0.0.1:9", "--model", "m"]


RANGE_CASES: list[tuple[str, str]] = [
    (flag, value)
    for flag, values in [
        ("--requests", ["0", "-1", "100000000"]),
        ("--duration", ["0", "-1", "nan", "inf", "1e9"]),
        ("--warmup", ["-1", "100000000"]),
        ("--repeats", ["0", "-2", "101"]),
        ("--concurrency", ["0", "-1", "nan", "inf", "1.5", "5000"]),
        ("--rate", ["0", "-1", "nan", "inf"]),
        ("--gamma-shape", ["0", "-1", "nan", "inf"]),
        ("--timeout", ["0", "-1", "nan", "inf", "1e9"]),
        ("--input-tokens", ["0", "-5", "nan", "1e12", "10000000", "U(9,1)"]),
        ("--output-tokens", ["0", "nan", "10000000"]),
        ("--hourly-usd", ["-1", "nan", "inf"]),
        ("--blend-ratio", ["-1", "nan", "inf"]),
        ("--bootstrap", ["-1", "1000000"]),
        ("--seed", ["-1"]),
    ]
    for value in values
]


@pytest.mark.parametrize(("flag", "value"), RANGE_CASES)
@pytest.mark.parametrize("command", ["bench", "run"])
def test_out_of_range_values_name_the_flag(command: str, flag: str, value: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    base = BENCH if command == "bench" else ["run"]
    fails_in_one_line([*base, flag, value], capsys, [flag], ignore_case=True)


@pytest.mark.parametrize("value", ["ttft_ms=nan", "ttft_ms=0", "tpot_ms=inf", "e2e_ms=-5"])
def test_slo_values(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line([*BENCH, "--slo", value], capsys, ["--slo"], ignore_case=True)


@pytest.mark.parametrize(("args", "words"), [
    (["bench", "--url", "http://[::1", "--model", "m"], ["--url", "[::1"]),
    (["bench", "--url", "ftp://example.com", "--model", "m"], ["--url", "http://"]),
    (["bench", "--url", "http://:8080", "--model", "m"], ["--url", "host"]),
    (["bench", "--url", "http://127.0.0.1:99999", "--model", "m"], ["--url"]),
    ([*BENCH, "--api-key", "clé€"], ["--api-key", "ascii"]),
    ([*BENCH, "--api-key", "a\nb"], ["--api-key"]),
    ([*BENCH, "--json", f"{NOWHERE}/s.json"], ["--json", NOWHERE]),
    ([*BENCH, "--db", "not a url"], ["database url"]),
    ([*BENCH, "--db", f"sqlite:///{NOWHERE}/x.db"], [NOWHERE, "--db"]),
    ([*BENCH, "--shape", "garbage"], ["shape"]),
    ([*BENCH, "--shape", "10000000/5"], ["shape"]),
    ([*BENCH, "--shape", "N(256,64)/(0,0)"], ["shape"]),
    (["run", "--shape", "N(1e9,1)/(1,1)"], ["shape"]),
    (["run", "--engine-arg", "--alias 'x"], ["--engine-arg", "quote"]),
    (["run", "--slots", "0"], ["--slots"]),
    (["run", "--slots", "-3"], ["--slots"]),
    (["run", "--slots", "100000"], ["--slots"]),
    (["run", "--model", "nope"], ["nope"]),
    (["run", "--report", f"{NOWHERE}/r.html"], ["--report", NOWHERE]),
    (["run", "--json", f"{NOWHERE}/r.json"], ["--json", NOWHERE]),
    (["run", "--db", "not a url"], ["database url"]),
    (["runs", "show", "nosuchid"], ["nosuchid", "runs list"]),
    (["runs", "export", "nosuchid"], ["nosuchid"]),
    (["runs", "list", "--limit", "0"], ["--limit"]),
    (["runs", "list", "--limit", "-1"], ["--limit"]),
    (["runs", "list", "--db", "not a url"], ["database url"]),
    (["runs", "export", "x", "--format", "parquet"], ["parquet", "-o"]),
    (["runs", "export", "x", "-o", f"{NOWHERE}/x.json"], [NOWHERE]),
])
def test_bad_input_is_one_line(args: list[str], words: list[str],
                               capsys: pytest.CaptureFixture[str]) -> None:
    fails_in_one_line(args, capsys, words, ignore_case=True)


def test_export_of_a_real_run_to_an_unwritable_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    with Store(db) as store:
        store.create_run("abc123", kind="bench", label=None, config={}, environment={},
                         target_url="http://x", model="m", started_unix_ns=1,
                         clock_offset_ns=0)
    fails_in_one_line(["runs", "export", "abc123", "-o", f"{NOWHERE}/x.csv",
                       "--format", "csv", "--db", db], capsys, [NOWHERE], ignore_case=True)
    fails_in_one_line(["runs", "export", "abc123", "-o", str(tmp_path), "--db", db],
                      capsys, ["directory"], ignore_case=True)

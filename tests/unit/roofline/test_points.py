"""The published-points loader: blank numbers, one-line errors naming file and line, the
bundled corpus, and where the shared validation set is found."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tokenfab.errors import DatasetError
from tokenfab.roofline import points as points_mod
from tokenfab.roofline.points import (
    CSV_HEADER,
    FIELDS,
    VALIDATION_CSV_ENV,
    PublishedPoint,
    load_points,
    shared_points_path,
)

GOOD = {
    "point_id": "X001", "source_family": "Test family", "source": "example.org/page",
    "source_locator": "table 1, row 2", "hardware": "NVIDIA H100 SXM 80GB", "gpu_count": "8",
    "model_hf_id": "openai/gpt-oss-120b", "model_arch": "MoE", "total_params_b": "117",
    "active_params_b": "5.1", "precision": "mxfp4", "engine": "vLLM", "tp": "8", "ep": "",
    "pp": "1", "dp": "replicas=1", "scenario": "fixed concurrency", "input_len_tokens": "1024",
    "output_len_tokens": "1024", "concurrency_or_batch": "64", "output_tps_system": "8000",
    "output_tps_per_gpu": "1000", "per_user_tps": "", "tpot_itl_ms": "7.5",
    "derived": "output_tps_per_gpu=output_tps_system/gpu_count",
}


def write_csv(path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = CSV_HEADER
              ) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(header), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def test_reads_a_row_with_blank_numbers_as_unpublished(tmp_path: Path) -> None:
    [point] = load_points([write_csv(tmp_path / "a.csv", [GOOD])])
    assert point.point_id == "X001"
    assert point.gpu_count == 8
    assert point.active_params_b == pytest.approx(5.1)
    assert point.output_tps_per_gpu == pytest.approx(1000.0)
    assert point.tpot_itl_ms == pytest.approx(7.5)
    assert point.ep is None
    assert point.per_user_tps is None
    assert point.ttft_ms is None
    assert point.dp == "replicas=1"


def test_bad_number_names_file_line_and_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [GOOD, {**GOOD, "point_id": "X002",
                                                   "output_tps_system": "fast"}])
    with pytest.raises(DatasetError) as err:
        load_points([path])
    message = str(err.value)
    assert "\n" not in message
    assert f"{path}:3" in message
    assert "output_tps_system" in message


@pytest.mark.parametrize("field", ["point_id", "source", "source_locator", "hardware"])
def test_blank_required_cell_is_an_error(tmp_path: Path, field: str) -> None:
    path = write_csv(tmp_path / "blank.csv", [{**GOOD, field: ""}])
    with pytest.raises(DatasetError, match=rf"blank\.csv:2: {field}"):
        load_points([path])


def test_zero_gpus_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "zero.csv", [{**GOOD, "gpu_count": "0"}])
    with pytest.raises(DatasetError, match="zero.csv:2: gpu_count: must be at least 1"):
        load_points([path])


def test_header_without_a_required_column_is_an_error(tmp_path: Path) -> None:
    header = tuple(name for name in CSV_HEADER if name != "hardware")
    path = write_csv(tmp_path / "nohw.csv", [GOOD], header=header)
    with pytest.raises(DatasetError, match="header lacks column.*hardware"):
        load_points([path])


def test_row_with_more_cells_than_header_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "wide.csv", [GOOD])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("X003" + ",x" * len(CSV_HEADER) + "\n")
    with pytest.raises(DatasetError, match="wide.csv:3: more cells than header"):
        load_points([path])


def test_duplicate_point_id_across_files_is_an_error(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "one.csv", [GOOD])
    second = write_csv(tmp_path / "two.csv", [GOOD])
    with pytest.raises(DatasetError, match="point_id X001 already in .*one.csv"):
        load_points([first, second])


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read published points"):
        load_points([tmp_path / "absent.csv"])


def test_default_reads_every_bundled_csv_in_name_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_csv(tmp_path / "b.csv", [{**GOOD, "point_id": "B1"}])
    write_csv(tmp_path / "a.csv", [{**GOOD, "point_id": "A1"}, {**GOOD, "point_id": "A2"}])
    (tmp_path / "README.md").write_text("not a table", encoding="utf-8")
    monkeypatch.setattr(points_mod, "bundled_points_dir", lambda: tmp_path)
    assert [p.point_id for p in load_points()] == ["A1", "A2", "B1"]


def test_shared_path_comes_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = write_csv(tmp_path / "published_points.csv", [GOOD])
    monkeypatch.setenv(VALIDATION_CSV_ENV, str(shared))
    assert shared_points_path() == shared
    assert [p.point_id for p in load_points([shared])] == ["X001"]
    monkeypatch.setenv(VALIDATION_CSV_ENV, str(tmp_path / "absent.csv"))
    assert shared_points_path() is None


def test_model_fields_are_header_columns() -> None:
    assert set(FIELDS) <= set(CSV_HEADER)
    assert list(PublishedPoint.model_fields) == [c for c in CSV_HEADER if c in FIELDS]


# --- the bundled corpus -------------------------------------------------------------------

BUNDLED = points_mod.bundled_points_dir()


def bundled_rows() -> list[tuple[Path, dict[str, str]]]:
    out: list[tuple[Path, dict[str, str]]] = []
    for path in sorted(BUNDLED.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            out.extend((path, row) for row in csv.DictReader(fh))
    return out


def test_bundled_csvs_carry_the_shared_header() -> None:
    files = sorted(BUNDLED.glob("*.csv"))
    assert files
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            assert tuple(next(csv.reader(fh))) == CSV_HEADER, path.name


def test_bundled_corpus_loads_and_is_large() -> None:
    points = load_points()
    assert len(points) >= 150
    assert len({p.point_id for p in points}) == len(points)
    families = {p.source_family.split()[0] for p in points}
    assert families >= {"TensorRT-LLM", "SemiAnalysis", "MLPerf", "AMD"}


def test_every_bundled_point_has_a_measured_number() -> None:
    for point in load_points():
        numbers = (point.output_tps_system, point.output_tps_per_gpu, point.total_tps_system,
                   point.unlabeled_throughput_tps_system, point.tpot_itl_ms)
        assert any(n is not None for n in numbers), point.point_id


def test_per_gpu_and_system_values_agree_and_the_derived_one_says_so() -> None:
    for point in load_points():
        if point.output_tps_system is None or point.output_tps_per_gpu is None:
            continue
        assert point.output_tps_per_gpu == pytest.approx(
            point.output_tps_system / point.gpu_count, rel=1e-3, abs=0.01), point.point_id
        derived = point.derived or ""
        assert "output_tps_per_gpu=" in derived or "output_tps_system=" in derived, point.point_id


def test_per_user_rate_is_the_inverse_of_tpot_and_says_so() -> None:
    for point in load_points():
        if point.per_user_tps is None or point.tpot_itl_ms is None:
            continue
        expected = 1000 / point.tpot_itl_ms
        assert point.per_user_tps == pytest.approx(expected, rel=0.02), point.point_id
        assert "per_user_tps" in (point.derived or ""), point.point_id


# Configurations of the held-back InferenceMAX check (issue 11): DeepSeek-R1-0528 FP8 on
# B200/MI300X/MI325X and gpt-oss-120b MXFP4 on B200/H200/MI355X stay out of the corpus so that
# check remains out of sample.
HELD_BACK = {("deepseek-ai/DeepSeek-R1-0528", "fp8", hw) for hw in ("b200", "mi300x", "mi325x")}
HELD_BACK |= {("openai/gpt-oss-120b", "fp4", hw) for hw in ("b200", "h200", "mi355x")}


def test_no_bundled_inferencemax_row_from_the_held_back_configurations() -> None:
    for path, row in bundled_rows():
        if not row["source_family"].startswith("SemiAnalysis InferenceMAX"):
            continue
        locator = row["source_locator"]
        hw = next(part.split("=")[1] for part in locator.replace(";", " ").split()
                  if part.startswith(("hw=", "gpu_model=")))
        prec = next(part.split("=")[1] for part in locator.split() if part.startswith("precision="))
        assert (row["model_hf_id"], prec, hw) not in HELD_BACK, (path.name, row["point_id"])

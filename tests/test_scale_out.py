"""Scaling out: `build --shard I/N` (CI matrices) and `build --executor dask` give what one local build gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from handout_pipeline import executors
from helpers import check_json, copy_root, run

FAST = ("-f", "txt", "-f", "docx")


def _tree(root: Path) -> dict[str, bytes]:
    """Every output and build record under output/, records without their build time."""
    files = {}
    for path in sorted((root / "output").rglob("*")):
        rel = path.relative_to(root / "output").as_posix()
        if not path.is_file() or rel.startswith(".cache/check/") or rel == ".lock":
            continue
        data = path.read_bytes()
        if rel.startswith(".cache/"):
            record = json.loads(data)
            record.pop("seconds")
            data = json.dumps(record, sort_keys=True).encode()
        files[rel] = data
    return files


def _same_outputs(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert sorted(a) == sorted(b)
    for rel in a:  # TXT and DOCX are reproducible: the same bytes
        assert a[rel] == b[rel], rel


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> dict[str, bytes]:
    root = copy_root(tmp_path_factory.mktemp("full"))
    assert run(root, "build", "-j", "1", *FAST).exit_code == 0
    return _tree(root)


def test_the_shards_together_build_exactly_what_one_build_does(tmp_path, full):
    root = copy_root(tmp_path)
    seen: list[set[str]] = []
    for index in (1, 2, 3):
        before = set(_tree(root))
        result = run(root, "build", "-j", "1", "--shard", f"{index}/3", *FAST)
        assert result.exit_code == 0, result.output
        seen.append(set(_tree(root)) - before)
    assert all(seen) and not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])  # each once
    _same_outputs(_tree(root), full)
    again = run(root, "build", "-j", "1", *FAST)
    assert "nothing to do" in again.output  # the shards' build records are a full build's


def test_check_shards_report_each_language_once(tmp_path):
    root = copy_root(tmp_path)
    whole = check_json(root, "--no-outputs")[1]
    parts = [check_json(root, "--no-outputs", "--shard", f"{i}/2")[1] for i in (1, 2)]
    key = lambda f: json.dumps(f, sort_keys=True)  # noqa: E731
    assert sorted(map(key, parts[0]["findings"] + parts[1]["findings"])) == sorted(map(key, whole["findings"]))
    langs = [set(p["metrics"]["mini"]) for p in parts]
    assert langs[0] and langs[1] and not langs[0] & langs[1] and langs[0] | langs[1] == set(whole["metrics"]["mini"])


@pytest.mark.parametrize("bad", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_a_bad_shard_is_one_clear_line(tmp_path, bad):
    root = copy_root(tmp_path)
    result = run(root, "build", "--shard", bad, *FAST)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "--shard" in result.output and "I/N" in result.output
    assert not (root / "output" / "mini").exists()


def test_shard_plan_splits_slow_languages_between_shards():
    items = list(range(10))
    parts = [executors.shard(items, i, 3) for i in (1, 2, 3)]
    assert parts == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]


def test_a_dask_cluster_builds_the_same_files_and_records_as_a_local_build(tmp_path, full):
    distributed = pytest.importorskip("distributed")
    root = copy_root(tmp_path)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        result = run(root, "build", "--executor", "dask", "--scheduler", cluster.scheduler_address, *FAST)
    assert result.exit_code == 0, result.output
    assert "12 built" in result.output
    _same_outputs(_tree(root), full)
    assert "nothing to do" in run(root, "build", "-j", "1", *FAST).output


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 0.5)
    root = copy_root(tmp_path)
    for address in ("tcp://127.0.0.1:1", "nowhere:::"):
        result = run(root, "build", "--executor", "dask", "--scheduler", address, *FAST)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        (line,) = result.output.strip().splitlines()
        assert line.startswith("error: cannot reach the Dask scheduler at") and "dask scheduler" in line
        assert not (root / "output" / "mini").exists()
    result = run(root, "build", "--executor", "dask", *FAST)
    assert result.exit_code == 2 and "--scheduler" in result.output

"""The pipeline through a real one-node SLURM cluster (tests/slurm/cluster.sh) with the repository's own
`slurm` profile plus a site overlay (tests/slurm/profile).

Opt-in while it takes ~10 minutes on 2 cores: WSNAS_SLURM_TESTS=1 python3 -m pytest tests/test_slurm.py
(needs root for apt-get and for the daemons).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.environ.get("WSNAS_SLURM_TESTS") != "1", reason="set WSNAS_SLURM_TESTS=1 (slow, needs root)")
GPU_RULES = {"train_supernet", "evaluate_subnets", "train_ground_truth"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slurm")
    subprocess.run(["bash", str(ROOT / "tests/slurm/cluster.sh"), "start", str(folder)], check=True)
    env = {**os.environ, "SLURM_CONF": str(folder / "slurm.conf")}
    yield env
    subprocess.run(["bash", str(ROOT / "tests/slurm/cluster.sh"), "stop", str(folder)], check=True)


def jobs_by_rule(env) -> dict[str, list[str]]:
    """TRES requests of the finished jobs (kept MinJobAge=300 s), keyed by the rule in the job's comment."""
    out = subprocess.run(["scontrol", "show", "job", "-o"], env=env, capture_output=True, text=True, check=True).stdout
    jobs: dict[str, list[str]] = {}
    for line in out.splitlines():
        rule = re.search(r"Comment=rule_(\w+?)_wildcards|Comment=rule_(\w+)", line)
        if rule:
            name = rule.group(1) or rule.group(2)
            jobs.setdefault(name, []).append(" ".join(re.findall(r"Tres\w*=\S+", line)))
    return jobs


def test_pipeline_through_slurm_matches_a_local_run(cluster, tmp_path):
    work, local = tmp_path / "slurm", tmp_path / "local"
    work.mkdir()
    local.mkdir()
    run = subprocess.run([sys.executable, "-m", "snakemake", "--profile", "slurm", "--profile", "tests/slurm/profile",
                          "all", "-d", str(work)], cwd=ROOT, env=cluster, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-4000:]
    jobs = jobs_by_rule(cluster)
    assert GPU_RULES <= set(jobs), jobs
    for rule, tres in jobs.items():
        for t in tres:
            assert ("gpu" in t) == (rule in GPU_RULES), (rule, t)
    assert "experiment_metrics" not in jobs  # local rules never reach sbatch
    subprocess.run([sys.executable, "-m", "snakemake", "all", "-c", "2", "-s", str(ROOT / "Snakefile"), "-d", str(local),
                    "--configfile", str(ROOT / "config/test.yaml")], check=True, capture_output=True)
    for name in ("table1_stability", "table2_ground_truth"):
        a = pd.read_csv(work / f"reports/tables/{name}.csv")
        b = pd.read_csv(local / f"reports/tables/{name}.csv")
        pd.testing.assert_frame_equal(a, b, rtol=1e-6, atol=1e-9)

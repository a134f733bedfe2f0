"""The pipeline through a real one-node SLURM cluster (tests/slurm/cluster.sh) with the repository's own
`slurm` profile plus a site overlay (tests/slurm/profile).

About 5 minutes on 2 cores. Needs root (apt-get, the daemons); skipped otherwise or with WSNAS_SLURM_TESTS=0.
"""

import os
import re
import subprocess
import time

import pandas as pd
import pytest

from tests.helpers import FIRST_TABLES, ROOT, SNAKEMAKE, base_config
from wsnas.plan.runs import ground_truth_config

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.slow,  # out of the fast tier (-m "not slow") even where it would run
    pytest.mark.skipif(os.geteuid() != 0 or os.environ.get("WSNAS_SLURM_TESTS") == "0",
                       reason="needs root to install and run slurmctld/slurmd/munged (or WSNAS_SLURM_TESTS=0)"),
]
GPU_RULES = {"train_supernet", "evaluate_subnets", "train_ground_truth"}
TEST_CFG = base_config()


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


def running_job(env, rule):
    """(job id, comment) of a running job of ``rule``, or None."""
    out = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i %k"], env=env, capture_output=True, text=True).stdout
    for line in out.splitlines():
        job_id, _, comment = line.partition(" ")
        if comment.startswith(f"rule_{rule}_"):
            return job_id, comment
    return None


def test_pipeline_through_slurm_survives_preemption_and_matches_a_local_run(cluster, first_tables, tmp_path):
    """Tables 1-2 and Figures 2-3 (FIRST_TABLES): every GPU rule kind of the core DAG (the study runs of
    Tables 3-4 go through the same train rule kinds and are covered locally by tests/test_pipeline.py); the
    local run is the session's ``first_tables``, which the whole-DAG run starts from as well."""
    work = tmp_path / "slurm"
    work.mkdir()
    proc = subprocess.Popen([*SNAKEMAKE, "--profile", "slurm", "--profile", "tests/slurm/profile",
                             *FIRST_TABLES, "-d", str(work)], cwd=ROOT, env=cluster, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Preempt a ground-truth job once it has checkpointed some children: scancel, as a cluster would.
    deadline, cancelled = time.time() + 400, None
    while cancelled is None and proc.poll() is None and time.time() < deadline:
        found = running_job(cluster, "train_ground_truth")
        if found:
            seed, chunk = found[1].split("_wildcards_")[1].split("_")
            # Only this job's own children count: the seed's other chunk may be running beside it, and
            # cancelling a job that has written no checkpoint yet would leave nothing to resume from.
            own = set(ground_truth_config(TEST_CFG, int(seed), int(chunk))["train"]["children"])
            saved = (work / f"results/checkpoints/ground_truth/seed{seed}").glob("*/*/epoch_*.pt")
            if len({path.parent.name for path in saved} & own) >= 2:
                subprocess.run(["scancel", found[0]], env=cluster, check=True)
                cancelled = (seed, chunk)
        time.sleep(0.2)
    output = proc.communicate(timeout=600)[0]
    assert proc.returncode == 0, output[-4000:]
    assert cancelled is not None, "no ground-truth job was caught running"
    log = (work / f"results/logs/train_ground_truth/seed{cancelled[0]}/chunk{cancelled[1]}.log").read_text()
    assert "resumed from" in log, log[-2000:]  # the retried job continued from its checkpoints

    jobs = jobs_by_rule(cluster)
    assert GPU_RULES <= set(jobs), jobs
    for rule, tres in jobs.items():
        for t in tres:
            assert ("gpu" in t) == (rule in GPU_RULES), (rule, t)
    assert len(jobs["train_ground_truth"]) == 5  # 4 jobs, one of them submitted again after the preemption
    assert "experiment_metrics" not in jobs  # local rules never reach sbatch

    for name in ("table1_stability", "table2_ground_truth"):
        a = pd.read_csv(work / f"reports/tables/{name}.csv")
        b = pd.read_csv(first_tables / f"reports/tables/{name}.csv")
        pd.testing.assert_frame_equal(a, b, rtol=1e-6, atol=1e-9)

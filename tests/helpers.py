"""What several test modules share: paths, the tiny configuration, the Snakemake and command-line
commands, config writers, a scripted child order and a checkpoint comparison."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

from wsnas import config as wsnas_config
from wsnas.methods.single_path.trainer import SinglePath

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "Snakefile"
TEST_CONFIG = ROOT / "config" / "test.yaml"
#: The rules whose jobs the cost model (wsnas.plan.cost) counts: every training and evaluation rule.
COSTED_RULES = {"train_supernet", "evaluate_subnets", "train_ground_truth", "train_study", "finetune", "train_search",
                "evaluate_search", "retrain_child"}
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
#: Tables 1-2 and Figures 2-3: every training rule kind of the core DAG (supernets, their evaluation, the
#: ground truth) and the local rules that read them.
FIRST_TABLES = ("reports/tables/table1_stability.csv", "reports/tables/table2_ground_truth.csv",
                "reports/figures/fig2_stau_per_epoch.pdf", "reports/figures/fig3_rank_distribution.pdf")
#: The environment of a ``python -m wsnas`` subprocess: the checkout's package first.
CLI_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

#: A network small enough for a CPU test in seconds.
TINY = [
    "data.resolution=8",
    "model.stem_channels=8",
    "model.stem_convs=1",
    "model.cell_channels=4",
    "model.num_cells=2",
    "train.epochs=2",
    "train.batch_size=128",
    "train.lr=0.05",
    "evaluate.batch_size=600",
    "studies.prefix.cells=[0,1,2]",
]


def tiny_config(*overrides):
    """The default config with ``TINY`` and then ``overrides`` (``key=value`` strings) applied."""
    return wsnas_config.load(None, [*TINY, *overrides])


# -- the command line ------------------------------------------------------------------------------------
def sets(*extra) -> list[str]:
    """``--set`` arguments of ``python -m wsnas`` for ``TINY`` and then ``extra``."""
    return [arg for item in [*TINY, *extra] for arg in ("--set", item)]


def wsnas(*args, **kw) -> subprocess.CompletedProcess:
    """``python -m wsnas ARGS`` on this checkout, output captured as text."""
    return subprocess.run([sys.executable, "-m", "wsnas", *args], env=CLI_ENV, capture_output=True, text=True, **kw)


# -- Snakemake -------------------------------------------------------------------------------------------
def base_config() -> dict:
    """config/test.yaml as a plain dict."""
    return yaml.safe_load(TEST_CONFIG.read_text())


def config_file(tmp_path, name="config.yaml", **sections):
    """config/test.yaml with some keys of some sections replaced, written to ``tmp_path / name``."""
    cfg = base_config()
    for section, values in sections.items():
        cfg.setdefault(section, {}).update(values)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def command(work, config, *targets, cores=2) -> list[str]:
    """The Snakemake command that builds ``targets`` (and any other arguments) in ``work`` under ``config``."""
    return [*SNAKEMAKE, *targets, "-s", str(SNAKEFILE), "-d", str(work),
            "-c", str(cores), "--configfile", str(config)]


def snakemake(workdir, *args, config=TEST_CONFIG, check=True, **kw) -> subprocess.CompletedProcess:
    """Runs ``command`` in ``workdir``, output captured as text; ``check``: assert that it succeeded."""
    out = subprocess.run(command(workdir, config, *args), capture_output=True, text=True, cwd=workdir, **kw)
    if check:
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def planned_jobs(output: str) -> dict[str, int]:
    """Job counts from Snakemake's 'Job stats' table."""
    stats = output[output.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M) if m.group(1) != "total"}


def build_and_kill(tmp_path, config, targets, ready, scripts):
    """``targets`` built once uninterrupted in ``tmp_path/straight``, and once in ``tmp_path/killed`` with the
    jobs running ``scripts`` SIGKILLed as soon as ``ready(killed)`` holds (Snakemake then fails). Returns
    (straight, killed)."""
    straight, work = tmp_path / "straight", tmp_path / "killed"
    straight.mkdir()
    work.mkdir()
    subprocess.run(command(straight, config, *targets), check=True, capture_output=True)
    proc = subprocess.Popen(command(work, config, *targets), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not ready(work):
        assert proc.poll() is None and time.time() < deadline, "the jobs ended before they could be killed"
        time.sleep(0.05)
    for script in scripts:
        for pid in job_pids(script, work):
            os.kill(pid, signal.SIGKILL)
    assert proc.wait(timeout=120) != 0
    return straight, work


def ere_literal(text: str) -> str:
    """``text`` as a POSIX extended regular expression (pgrep's) that matches it literally."""
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", text)


def job_pids(script: str, workdir) -> list[int]:
    """The ids of the jobs of the Snakemake run in ``workdir`` that run ``script`` (a rule's script name):
    Snakemake runs a job's script from ``<workdir>/.snakemake/scripts/``, so the jobs of any other run on
    the machine (a user's pipeline, another test) are never matched."""
    pattern = ere_literal(f"{Path(workdir).resolve()}/.snakemake/scripts/") + "[^ ]*" + ere_literal(script)
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


# -- training --------------------------------------------------------------------------------------------
class Scripted:
    """A sampler that plays a fixed list of children."""

    def __init__(self, children):
        self.children, self.step = list(children), 0

    def next(self):
        child = self.children[self.step % len(self.children)]
        self.step += 1
        return child

    def observe(self, child, loss):
        pass

    def state_dict(self):
        return {"step": self.step}

    def load_state_dict(self, state):
        self.step = state["step"]


def scripted_method(cfg, data, children):
    """Single-path training over all 64 children whose child order plays ``children``."""
    return SinglePath(cfg, data, range(64), sampler=Scripted(children))


def assert_same_state(a, b, path="state", skip=("history",)) -> None:
    """Two checkpoints (nested dicts, lists, tensors) hold bit-identical values; ``skip``: keys whose
    values are timings."""
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            if key not in skip:
                assert_same_state(a[key], b[key], f"{path}.{key}", skip)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f"{path}[{i}]", skip)
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), path
    else:
        assert a == b, path


def stopped_and_resumed(cfg, data, folder, epochs: int):
    """A loop trained ``epochs`` epochs into ``folder`` (checkpointed after each), then a new loop that resumes
    from there and runs to ``train.epochs``: the latter, to compare with an uninterrupted run."""
    from wsnas.training.loop import Loop

    first = Loop(cfg, data, folder)
    for _ in range(epochs):
        first.train_epoch()
        first.after_epoch()
    return Loop(cfg, data, folder).run()


def assert_declared_records(method: str, record: dict) -> None:
    """Every epoch-record column that ``method``'s declaration names as its mechanism (``Declaration.records``,
    Table 5's "Mechanisms") is in the epoch ``record`` a run of it wrote, and a finite number."""
    import math

    from wsnas.methods import declaration_of

    declared = declaration_of(method).records
    assert declared, f"{method} declares no records"
    for r in declared:
        for column in filter(None, (r.column, r.per)):
            assert column in record and math.isfinite(record[column]), (method, column, record.get(column))

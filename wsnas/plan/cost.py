"""The compute each target of the DAG asks for, and its projected hours from a benchmark's rates.

The jobs come from Snakemake itself: ``plan`` loads the Snakefile with the configuration through
Snakemake's Python API, builds the DAG of every aggregate target (the rules without output: ``all``,
``all_tables``, ``all_figures``) in an empty working directory without running anything, and reads each
job's rule and wildcards, and the jobs each target needs (on a machine where Snakemake cannot run, a
plan that ``store_plan`` wrote for the same config). The work of one job is counted from its rule
and wildcards with the same planning functions the rules call (``wsnas.plan``), in images of each kind:
- ``supernet``: images of one-child-per-step training of one network (supernets, dense, prefix runs);
- ``standalone``: images of training networks that each hold one child or one group (ground truth,
  group sharing with m >= 2, which the pipeline trains K at a time, stacked, where that is faster);
- ``finetune``: images of one child trained alone at a time (Figure 4);
- ``eval``: child-images evaluated, keyed by how many children share one evaluation pass (its cache
  computes the stem and the first cell's shared edges once per pass, ``wsnas.core.model``).

Hours come from the rates ``python -m bench`` measured on the machine in question, in the precision the
configuration trains in (``rates_for``: ``rates_by_precision`` in its JSON), and a search's supernet
images are counted at its method's measured step time relative to single path's (``step_factor``:
``step_factors`` in the JSON, from the methods' declared timings). The evaluation time of a child-image when n children share a pass is modelled as
``a + b / n``, fitted to the two measured points n = 1 and n = 64 (the stem dominates the FLOPs and is
the part that is shared). Metrics, tables and figures (local rules) and the data preparation cost
seconds and are left out; any other rule without a work model here is refused, so a new training rule
cannot go uncounted.
"""

import functools
import hashlib
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from wsnas.data.sizes import split_sizes
from wsnas.errors import WsnasError
from wsnas.methods import checked_method
from wsnas.plan.retrain import retrain_config
from wsnas.plan.reuse import study_networks, study_reuse
from wsnas.plan.runs import ground_truth_config, ranked_epochs, run_config
from wsnas.plan.packs import pack_instances, pack_size
from wsnas.plan.searches import evaluation_config, every_epoch, search_config
from wsnas.plan.studies import study_config

SNAKEFILE = Path(__file__).resolve().parents[2] / "Snakefile"
#: Snakemake's plan of config/paper.yaml, for the GPU check on machines without Snakemake.
STORED_PLAN = SNAKEFILE.parent / "bench" / "paper-plan.json"


@dataclass
class Work:
    """Images of each kind of work of one job (see the module docstring)."""

    supernet: float = 0.0
    standalone: float = 0.0
    finetune: float = 0.0
    eval: dict = field(default_factory=dict)  # children sharing a pass -> child-images
    #: A search's method: (name, its options with the declared defaults, as sorted items); None: single path.
    method: tuple | None = None

    def add_eval(self, sharing: int, child_images: float) -> None:
        self.eval[sharing] = self.eval.get(sharing, 0.0) + child_images

    def seconds(self, rates: dict, step_factor: float = 1.0) -> float:
        """``step_factor``: the method's step time over single path's, for the supernet images."""
        t1, t64 = 1 / rates["eval_single"], 1 / rates["eval_all64"]
        b = (t1 - t64) * 64 / 63
        a = t1 - b
        return (step_factor * self.supernet / rates["supernet_train"] + self.standalone / rates["standalone_train"]
                + self.finetune / rates["standalone_train_one"]
                + sum(n_img * (a + b / n) for n, n_img in self.eval.items()))


def _train_images(cfg: dict) -> float:
    """Images of ``train.epochs`` epochs (an epoch is the whole training split, its last batch smaller)."""
    return cfg["train"]["epochs"] * split_sizes(cfg["data"])[0]


def _n_test(config: dict) -> int:
    return split_sizes(config["data"])[1]


def train_supernet(config: dict, experiment: str, instance: str) -> Work:
    return Work(supernet=_train_images(run_config(config, experiment, int(instance))))


def evaluate_subnets(config: dict, experiment: str, instance: str) -> Work:
    a = config["analysis"]  # every child at each ranked epoch
    epochs = ranked_epochs(range(1, run_config(config, experiment, int(instance))["train"]["epochs"] + 1),
                           a["rank_every"], a["last_epochs"])
    work = Work()
    work.add_eval(64, len(epochs) * 64 * _n_test(config))
    return work


def train_ground_truth(config: dict, seed: str, chunk: str) -> Work:
    cfg = ground_truth_config(config, int(seed), int(chunk))
    n = len(cfg["train"]["children"])
    work = Work(standalone=n * _train_images(cfg))
    work.add_eval(1, n * cfg["train"]["epochs"] * _n_test(config))  # each child after every epoch
    return work


def train_study(config: dict, run: str, instance: str) -> Work:
    """Each network's epochs, less those another job trains for it (``wsnas.plan.reuse``), and its dense
    evaluation; a group run's networks each evaluate their own children."""
    cfg = study_config(config, run, int(instance))
    dense, n_test = cfg["train"]["dense_eval_steps"], _n_test(config)
    started = {r.network: r.start_epoch for r in study_reuse(config, run, int(instance))}
    networks = study_networks(cfg)
    work = Work()
    for network, _, members in networks:
        images = (cfg["train"]["epochs"] - started.get(network, 0)) * split_sizes(cfg["data"])[0]
        if len(networks) > 1:
            work.standalone += images
        else:
            work.supernet += images
        work.add_eval(len(members), dense * len(members) * n_test)
    return work


def finetune(config: dict, epoch: str) -> Work:
    f = config["studies"]["finetune"]
    cfg = run_config(config, f["experiment"], f["instance"])
    work = Work(finetune=64 * f["steps"] * cfg["train"]["batch_size"])
    work.add_eval(64, 64 * _n_test(config))  # the snapshot itself
    work.add_eval(1, 64 * f["steps"] * _n_test(config))  # each child after each of its steps
    return work


def train_search(config: dict, search: str, instance: str) -> Work:
    """A supernet of the run's epochs by the run's method (its step time relative to single path's is
    ``step_factor``'s) and its dense evaluation."""
    cfg = search_config(config, search, int(instance))
    options = checked_method(cfg["method"])
    work = Work(supernet=_train_images(cfg), method=(cfg["method"]["name"], tuple(sorted(options.items()))))
    work.add_eval(64, cfg["train"]["dense_eval_steps"] * 64 * _n_test(config))
    return work


def _pack(works: list) -> Work:
    """The work of one job that trains several instances (``wsnas.plan.packs``): the sum of theirs."""
    work = Work(supernet=sum(w.supernet for w in works), method=works[0].method)
    for w in works:
        for sharing, images in w.eval.items():
            work.add_eval(sharing, images)
    return work


def train_search_pack(config: dict, search: str, pack: str) -> Work:
    """The instances of one pack (``train.streams``), each counted as its own ``train_search`` job."""
    count = config["searches"][search]["instances"]
    return _pack([train_search(config, search, str(i)) for i in pack_instances(count, pack_size(config), int(pack))])


def train_supernet_pack(config: dict, experiment: str, pack: str) -> Work:
    """The instances of one pack (``train.streams``), each counted as its own ``train_supernet`` job."""
    count = config["experiments"][experiment]["instances"]
    return _pack([train_supernet(config, experiment, str(i)) for i in pack_instances(count, pack_size(config), int(pack))])


def evaluate_search(config: dict, search: str, instance: str, bn: str) -> Work:
    """Every child at every epoch (the first BN mode) or at the last; recalibration's forward passes count
    as one-child evaluation images."""
    cfg = evaluation_config(config, search, int(instance), bn)
    epochs = cfg["train"]["epochs"] if every_epoch(config, bn, search) else 1
    work = Work()
    work.add_eval(64, epochs * 64 * _n_test(config))
    if bn == "recalibrate":
        e = cfg["evaluate"]
        work.add_eval(1, epochs * 64 * e["recalibrate_batches"] * e["batch_size"])
    return work


def retrain_child(config: dict, child: str, seed: str) -> Work:
    """One picked child trained alone and evaluated after every epoch. Snakemake plans these jobs only after
    the searches (a checkpoint), so a projection made before counts none; with the ground truth's settings
    (the default) there are none (``wsnas.plan.retrain``)."""
    cfg = retrain_config(config, child, int(seed))
    work = Work(standalone=_train_images(cfg))
    work.add_eval(1, cfg["train"]["epochs"] * _n_test(config))
    return work


#: rule -> its job's work, from the configuration and the job's wildcards (strings, as Snakemake gives them).
WORK = {f.__name__: f for f in (train_supernet, evaluate_subnets, train_ground_truth, train_study, finetune, train_search,
                                train_search_pack, train_supernet_pack, evaluate_search, retrain_child)}
#: Non-local rules that cost seconds.
CHEAP = {"prepare_data", "search_sharing"}
#: The rule whose jobs are the ground truth that every table and figure compares with.
GROUND_TRUTH = "train_ground_truth"


def job_work(config: dict, key: tuple) -> Work:
    """The work of one job, ``key`` = (rule, *its wildcard values)."""
    rule, *wildcards = key
    return WORK[rule](config, *wildcards)


def plan(config: dict) -> dict[str, frozenset]:
    """Target -> the costed jobs (rule, *wildcard values) it needs, from Snakemake's DAG for ``config``.

    The targets, in this order: ``ground_truth`` (the jobs of ``GROUND_TRUTH``), every job that an
    aggregate rule other than the default target lists (each table and figure), those aggregates
    (``all_tables``, ``all_figures``), and the default target (``all``). Where Snakemake cannot run (not
    installed, or the Snakefile's jsonschema is missing, as on the lent GPU machines), the plan stored in
    ``STORED_PLAN`` is used if it is for this very config."""
    try:
        return dict(_plan(yaml.safe_dump(config, sort_keys=False)))
    except ImportError as missing:
        stored = stored_plan(config)
        if stored is None:
            raise WsnasError(f"the jobs come from Snakemake, which cannot run here ({missing}), and "
                             f"{STORED_PLAN} is not this config's plan: install snakemake and jsonschema, or "
                             "store the plan where they are (python -m bench.projection --store-plan)") from None
        return stored


def config_digest(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def store_plan(config: dict, path=None) -> Path:
    """Write Snakemake's plan of ``config`` for machines without Snakemake (``STORED_PLAN`` by default)."""
    planned = plan(config)
    jobs = sorted(set().union(*planned.values()))
    index = {key: i for i, key in enumerate(jobs)}
    about = ("Snakemake's jobs per target for one config (wsnas.plan.cost.store_plan); "
             "written by python -m bench.projection --store-plan, checked by tests/test_cost.py")
    line = lambda key, value: f" {json.dumps(key)}: {json.dumps(value)}"  # noqa: E731 - one job or target a line
    text = "\n".join([
        "{", line("about", about) + ",", line("config_sha256", config_digest(config)) + ",", ' "jobs": [',
        ",\n".join(f"  {json.dumps(list(key))}" for key in jobs), " ],", ' "targets": {',
        ",\n".join(" " + line(name, sorted(index[key] for key in keys)) for name, keys in planned.items()),
        " }", "}", ""])
    path = Path(path or STORED_PLAN)
    path.write_text(text)
    return path


def stored_plan(config: dict, path=None) -> dict[str, frozenset] | None:
    """The plan stored by ``store_plan`` if it is for ``config``, else None."""
    try:
        stored = json.loads(Path(path or STORED_PLAN).read_text())
    except FileNotFoundError:
        return None
    if stored["config_sha256"] != config_digest(config):
        return None
    jobs = [tuple(key) for key in stored["jobs"]]
    return {name: frozenset(jobs[i] for i in indices) for name, indices in stored["targets"].items()}


@functools.lru_cache(maxsize=8)
def _plan(config_yaml: str) -> dict[str, frozenset]:
    graph, local, aggregates, default = snakemake_dag(config_yaml)
    unmodelled = {key[0] for key in graph} - WORK.keys() - CHEAP - local
    if unmodelled:
        raise WsnasError(f"no cost model for rule(s) {', '.join(sorted(unmodelled))}: "
                         "add each to WORK (or CHEAP) in wsnas/plan/cost.py")

    def needs(key) -> frozenset:
        seen, stack = set(), [key]
        while stack:
            for dependency in graph[stack.pop()]:
                if dependency not in seen:
                    seen.add(dependency)
                    stack.append(dependency)
        return frozenset(k for k in seen if k[0] in WORK)

    everything = needs((default,))
    targets = {"ground_truth": frozenset(k for k in everything if k[0] == GROUND_TRUTH)}
    others = [(name,) for name in aggregates if name != default]
    targets.update((member[0], needs(member)) for aggregate in others for member in graph[aggregate])
    targets.update((aggregate[0], needs(aggregate)) for aggregate in others)
    targets[default] = everything
    return targets


def snakemake_dag(config_yaml: str) -> tuple[dict[tuple, list], set, list, str]:
    """Snakemake's DAG of every aggregate target (rules without output) for a config (YAML text), built
    in an empty working directory as a dry run builds it, with nothing run: (job -> the jobs it depends
    on, in input order; each job as (rule, *wildcard values)), the local rules, the aggregate rules in
    the Snakefile's order, and the default target."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, Quietness, ResourceSettings

    def key(job) -> tuple:
        return (job.rule.name, *job.wildcards)

    search_path = list(sys.path)  # the Snakefile and Snakemake add to it
    with tempfile.TemporaryDirectory(prefix="wsnas-cost-") as tmp:
        configfile = Path(tmp) / "config.yaml"
        configfile.write_text(config_yaml)
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        try:
            with SnakemakeApi(OutputSettings(quiet={Quietness.ALL}, enable_file_logging=False)) as api:
                workflow_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                                            config_settings=ConfigSettings(configfiles=[configfile]),
                                            snakefile=SNAKEFILE, workdir=workdir)
                workflow = workflow_api._workflow  # the Snakefile, loaded and checked
                aggregates = [r.name for r in workflow.rules if not r.output and not r.has_wildcards()]
                workflow_api.dag(DAGSettings(targets=frozenset(aggregates)))  # sets the workflow's DAG settings
                # as DAGApi.printdag does it, without the printing (Snakemake has no public call for the DAG)
                workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True)
                workflow._build_dag()
                dag = workflow.dag
                graph = {key(job): [key(d) for d in dag.dependencies[job]] for job in dag.jobs}
                # local rules (``localrules:``, ``localrule: True``) and rules that run nothing; not
                # workflow.is_local, which calls every rule local when no cluster executor is set
                local = {r.name for r in workflow.rules if r.name in workflow._localrules or r.norun}
                default = workflow.default_target
        except ImportError:  # Snakemake runs, but a module the Snakefile imports is missing
            raise
        except Exception as error:  # noqa: BLE001 - Snakemake's own error (a bad config, a broken rule), as one line
            first = (str(error).strip().splitlines() or [""])[0]
            raise WsnasError(f"Snakemake cannot build the DAG of {SNAKEFILE} for this config "
                             f"({type(error).__name__}: {first})") from error
        finally:
            sys.path[:] = search_path
    return graph, local, aggregates, default


def jobs(config: dict) -> dict[tuple, Work]:
    """(rule, *wildcard values) -> Work, for every training and evaluation job that a target needs."""
    return {key: job_work(config, key) for key in sorted(set().union(*plan(config).values()))}


def targets(config: dict) -> dict[str, frozenset]:
    """Target -> the keys of ``jobs`` it needs (see ``plan``)."""
    return plan(config)


def rates_for(bench: dict, precision: str) -> dict:
    """The rates a benchmark result measured in ``precision`` (a ``train.precision``; ``auto``: the
    benchmark's fast precision, as ``auto`` resolves on its device); one line when it has none."""
    chosen = bench["fast_precision"] if precision == "auto" else precision
    by_precision = bench.get("rates_by_precision") or {bench["fast_precision"]: bench["rates"]}
    if chosen not in by_precision:
        raise WsnasError(f"the benchmark result has rates in {', '.join(sorted(by_precision))}, not in {chosen} "
                         "(config key train.precision): rerun python -m bench on this device")
    return by_precision[chosen]


def step_factor(method: tuple | None, factors: list[dict]) -> float | None:
    """A search's step time over single path's: the measured factor (``python -m bench``'s
    ``step_factors``) of the most specific timing of its method whose options all equal the run's; 1 for
    single path; None when its method (or that variant) was not timed."""
    if method is None:
        return 1.0
    name, options = method[0], dict(method[1])
    matching = [f for f in factors if f["method"] == name and all(options.get(k) == v for k, v in f["options"].items())]
    if not matching:
        return 1.0 if name == "single_path" else None
    return max(matching, key=lambda f: len(f["options"]))["factor"]


def projection(config: dict, rates: dict, factors: list[dict] | None = None,
               beside: dict[str, dict] | None = None) -> list[dict]:
    """Per target: its jobs, the training and evaluation images, and the projected hours on one device
    of the benchmarked kind. Targets share jobs: each row counts all it needs (``hours``) and, apart,
    what it needs beyond the ground truth that every table and figure compares with (``hours_own``).
    ``factors``: the methods' measured step factors (``step_factor``); a search whose method has none is
    counted at single path's rate and named in its row's ``untimed``. ``beside``: other rates by name
    (another precision's), each giving the rows' ``hours_<name>`` from the same counted work."""
    planned = plan(config)
    work = {key: job_work(config, key) for key in set().union(*planned.values())}
    measured = {k: step_factor(w.method, factors or []) for k, w in work.items()}
    seconds = {name: {k: w.seconds(r, measured[k] or 1.0) for k, w in work.items()}
               for name, r in {"": rates, **(beside or {})}.items()}
    hours = lambda keys, name="": sum(seconds[name][k] for k in keys) / 3600  # noqa: E731
    rows = []
    for target, keys in planned.items():
        rows.append({
            "target": target,
            "jobs": len(keys),
            "train_images": sum(work[k].supernet + work[k].standalone + work[k].finetune for k in keys),
            "eval_child_images": sum(sum(work[k].eval.values()) for k in keys),
            "hours": hours(keys),
            "hours_own": hours(keys - planned["ground_truth"]),
            "untimed": sorted({_describe(work[k].method, factors or []) for k in keys if measured[k] is None}),
            **{f"hours_{name}": hours(keys, name) for name in beside or {}},
        })
    return rows


def _describe(method: tuple, factors: list[dict]) -> str:
    """The method's name and its values of the options its timings vary."""
    timed = {k for f in factors if f["method"] == method[0] for k in f["options"]}
    return method[0] + "".join(f" {k}={v}" for k, v in method[1] if k in timed)


def rule_counts(keys) -> Counter:
    """Jobs per rule of a set of ``jobs`` keys."""
    return Counter(key[0] for key in keys)

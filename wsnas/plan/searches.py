"""The method runs that the comparison ranks against the ground truth (config section ``searches``; Table 5).

A search run is one supernet-training method with its options (config ``method``: a registered name and
the method's own keys), trained as ``instances`` supernets that differ in every seed (init, data order,
child order: instance ``i`` sets all three to ``i``), so that run A's instance ``i`` and run B's instance
``i`` start from the same weights and, for single-path-like methods, see the same batches and child
sequence: they differ only in the method (a method that draws its own paths or data shares the
seeds, not the draws) and in the SGD momentum and weight decay where a run sets its own
(``RUN_OPTIMISER_KEYS``). This is what makes a difference between two runs a paired comparison
(``wsnas.reporting.paired``). Each instance is
evaluated in every mode of ``comparison.bn_modes``: the first at every epoch for the runs that need per-epoch
rankings (the runs whose method declares ``every_epoch``, and then the baseline), the others and every other
run at the last epoch only; and densely after
each of its last ``studies.window`` mini-batches (GT-Tau-Mean-k and GT-Tau-Std-k, Zhang et al. 2020,
Sec. 4.1), in ``evaluate.bn_mode``. No torch here: the Snakefile calls these while it builds the DAG.
"""

from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.methods import checked_method, declaration_of, resolved
from wsnas.methods.declaration import Declaration


#: Keys of a search run that replace the train section's value for that run only (null: keep it). DI-NAS's
#: projection protects earlier inputs exactly only with momentum 0 and weight decay 0, which the optimiser
#: applies outside it; a run at those settings has its own fingerprint and checkpoints.
RUN_OPTIMISER_KEYS = ("momentum", "weight_decay")


def search_runs(config: dict) -> dict[str, dict]:
    """Name -> settings of every configured search run; one line naming the key when a run names no method or
    sets an option or value its method does not have (``searches.<run>.method.<key>``), the comparison's
    baseline is not a run, or a contrast (``comparison.contrasts``) names no run."""
    runs = config["searches"]
    for name, run in runs.items():
        checked_method(run["method"], f"searches.{name}.method")
    baseline = config["comparison"]["baseline"]
    if runs and baseline not in runs:
        raise WsnasError(f"config key comparison.baseline: {baseline!r} is not in config key 'searches' "
                         f"({', '.join(runs)}); name the run every other is compared with")
    check_contrasts(config)
    return runs


def check_contrasts(config: dict) -> None:
    """One line naming ``comparison.contrasts[i].<key>`` when a contrast names no search run, compares a run
    with itself, repeats another contrast (either way round) or repeats a comparison with the baseline."""
    runs, seen = config["searches"], set()
    for i, contrast in enumerate(config["comparison"]["contrasts"]):
        for key in ("run", "against"):
            if contrast[key] not in runs:
                raise WsnasError(f"config key comparison.contrasts[{i}].{key}: {contrast[key]!r} is not a search run "
                                 f"(config section searches: {', '.join(runs) or 'none'}); name one of them")
        pair = frozenset((contrast["run"], contrast["against"]))
        if len(pair) == 1:
            raise WsnasError(f"config key comparison.contrasts[{i}]: run and against are both {contrast['run']!r}; "
                             "a contrast compares two different runs")
        if config["comparison"]["baseline"] in pair:
            raise WsnasError(f"config key comparison.contrasts[{i}]: every run is compared with the baseline "
                             f"({config['comparison']['baseline']}) already; delete this contrast")
        if pair in seen:
            raise WsnasError(f"config key comparison.contrasts[{i}]: {contrast['run']} against {contrast['against']} "
                             "is already a contrast; delete the repeat")
        seen.add(pair)


def search_config(config: dict, name: str, instance: int) -> dict:
    """Training config of one instance of search run ``name``."""
    try:
        run = config["searches"][name]
    except KeyError:
        raise WsnasError(f"search run {name!r} is not in config key 'searches'") from None
    i = int(instance)
    train = {"child_order": run["child_order"], "init_seed": i, "data_seed": i, "order_seed": i,
             "epochs": run["epochs"] or config["train"]["epochs"], "dense_eval_steps": config["studies"]["window"]}
    for key in RUN_OPTIMISER_KEYS:  # the run's own SGD settings (null: the train section's)
        if run.get(key) is not None:
            train[key] = run[key]
    out = merged(config, train=train)
    out["method"] = dict(run["method"])  # not merged: no option of another method's may leak in
    return out


def evaluation_config(config: dict, name: str, instance: int, bn_mode: str) -> dict:
    """The config that evaluates one instance in BN mode ``bn_mode``."""
    return merged(search_config(config, name, instance), evaluate={"bn_mode": bn_mode})


def every_epoch(config: dict, bn_mode: str, run: str | None = None) -> bool:
    """Whether ``bn_mode`` is evaluated at every checkpointed epoch (the first of ``comparison.bn_modes``, for
    run ``run`` when it ranks every epoch, ``ranks_every_epoch``) or at the last epoch only."""
    return bn_mode == config["comparison"]["bn_modes"][0] and (run is None or ranks_every_epoch(config, run))


def ranks_every_epoch(config: dict, run: str) -> bool:
    """``searches.<run>.every_epoch``, by default true for the runs whose method declares it (a figure of the
    method compares rankings ``comparison.interval`` epochs apart) and, when any run does, for the baseline
    they are drawn beside. Ranking the other runs at their last epoch only saves most of their evaluation."""
    setting = config["searches"][run].get("every_epoch")
    if setting is not None:
        return setting
    if run == config["comparison"]["baseline"]:
        return any(_declared(r["method"]).every_epoch for r in config["searches"].values())
    return _declared(config["searches"][run]["method"]).every_epoch


def _declared(method: dict):
    """The declaration of a run's ``method`` section (an empty one for a bare ``module:Class``)."""
    return declaration_of(method["name"]) or Declaration(method["name"], method["name"], "")


def method_figures(config: dict) -> list[tuple]:
    """(figure, runs) of every figure a configured method declares (``Declaration.figures``), drawn for the
    search runs of that method other than the baseline (and the baseline first where the figure asks for it),
    in config order; none for a method no run uses."""
    baseline, out, seen = config["comparison"]["baseline"], [], set()
    for run in config["searches"].values():
        declaration = _declared(run["method"])
        if declaration.name in seen:
            continue
        seen.add(declaration.name)
        runs = [name for name, r in config["searches"].items()
                if name != baseline and _declared(r["method"]).name == declaration.name]
        if runs:
            out += [(figure, [baseline, *runs] if figure.baseline else runs) for figure in declaration.figures]
    return out


def ranking_functions(method: dict) -> dict:
    """Name -> function(history path) of the rankings a run's method offers besides the BN modes
    (``Declaration.rankings``; a method's own ranking, e.g. by architecture parameters)."""
    return {name: resolved(target) for name, target in _declared(method).rankings.items()}


def mechanism_records(method: dict) -> tuple:
    """The epoch records that show a run's method at work (``Declaration.records``)."""
    return _declared(method).records


def remedy_runs(config: dict) -> dict[str, str]:
    """Study run -> label of every seed-002 remedy that joins Table 5 (``comparison.studies``); one line naming
    the key when a name is no study run."""
    from wsnas.plan.studies import study_runs

    known = study_runs(config)
    for name in config["comparison"]["studies"]:
        if name not in known:
            raise WsnasError(f"config key comparison.studies.{name}: no such study run (config section studies "
                             f"defines {', '.join(known)}); name one of them")
        if known[name]["instances"] < 2:
            raise WsnasError(f"config key comparison.studies.{name}: study run {name} has one instance and S-Tau "
                             "needs two; give it more instances (config section studies) or leave it out")
    return dict(config["comparison"]["studies"])

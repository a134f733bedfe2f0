"""The runs behind Tables 3-4 and Figures 4-9 of Zhang et al. 2020, named so that each is one pipeline job.

Every study run trains with dense evaluation at its end (all its children evaluated after each of the
last ``studies.dense_steps`` mini-batches, at least ``studies.window``):
- ``dense_runs`` (Figures 5, 7, 8, 9): a full supernet with another child order, epoch count, BN or SGD
  momentum; instances differ in seed (Appendix A.2: "3 times with different seeds"), which sets the
  init and the data order, as the authors' ``--seed``.
- ``group-{grouping}-m{m}`` (Table 3a, Figure 6, Sec. 4.2): m groups, "each of which is trained
  independently and maintains one copy of weights" for the full epoch count; instances keep the
  partition (``grouping_seed``, the authors' 42) and change the seed. m = 1 and m = 64 do not depend on the grouping
  and run once, as ``group-m1`` and ``group-m64``.
- ``prefix-e{epochs}-k{k}`` (Table 3b, Table 4, Sec. 4.3): the stem and the first k cells shared, the rest
  private per child, trained one child per mini-batch.
"""

from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.core.sharing import group_members
from wsnas.core.space import CHILD_IDS, child_index


def group_run_name(grouping: str, m: int) -> str:
    return f"group-m{m}" if m in (1, 64) else f"group-{grouping}-m{m}"


def prefix_run_name(epochs: int, k: int) -> str:
    return f"prefix-e{epochs}-k{k}"


def group_run_names(config: dict) -> list[str]:
    """Table 3a's runs, each once (m = 1 and m = 64 serve both groupings)."""
    g = config["studies"]["group"]
    return list(dict.fromkeys(group_run_name(grouping, m) for grouping in g["groupings"] for m in g["groups"]))


def prefix_run_names(config: dict, epochs: int | None = None) -> list[str]:
    """Table 4's runs (every epoch count), or Table 3b's (one epoch count)."""
    p = config["studies"]["prefix"]
    return [prefix_run_name(e, k) for e in ([epochs] if epochs else p["epochs"]) for k in p["cells"]]


def figure6_run_name(config: dict) -> str:
    g = config["studies"]["group"]
    return group_run_name(g["groupings"][0], g["figure6_groups"])


def figure6_members(config: dict) -> list[str]:
    """Figure 6's children: the group of the m = ``figure6_groups`` run that holds ``figure6_child``."""
    g = config["studies"]["group"]
    sharing = {"groups": g["figure6_groups"], "grouping": g["groupings"][0], "grouping_seed": g["grouping_seed"]}
    child = child_index(g["figure6_child"])
    return next([CHILD_IDS[c] for c in members] for members in group_members(sharing) if child in members)


def study_runs(config: dict) -> dict[str, dict]:
    """Name -> {kind, instances, settings} of every study run the configuration asks for."""
    s = config["studies"]
    runs = {}
    for name, run in s["dense_runs"].items():
        runs[name] = {"kind": "dense", "instances": run["instances"], "settings": run}
    g = s["group"]
    for grouping in g["groupings"]:
        for m in g["groups"]:
            runs[group_run_name(grouping, m)] = {"kind": "group", "instances": g["instances"],
                                                  "settings": {"groups": m, "grouping": grouping}}
    p = s["prefix"]
    for epochs in p["epochs"]:
        for k in p["cells"]:
            if k > config["model"]["num_cells"]:
                raise WsnasError(f"config key studies.prefix.cells: {k} exceeds model.num_cells={config['model']['num_cells']}")
            runs[prefix_run_name(epochs, k)] = {"kind": "prefix", "instances": p["instances"],
                                                 "settings": {"epochs": epochs, "prefix_cells": k}}
    if g["groups"] and g["figure6_groups"] not in g["groups"]:
        raise WsnasError(f"config key studies.group.figure6_groups={g['figure6_groups']} is not in studies.group.groups")
    return runs


def study_config(config: dict, name: str, instance: int) -> dict:
    """Training config of one instance of study run ``name`` (init and data-order seed = instance)."""
    runs = study_runs(config)
    if name not in runs:
        raise WsnasError(f"study run {name!r} is not defined by config section 'studies'")
    run, s = runs[name], config["studies"]
    train = {"init_seed": int(instance), "data_seed": int(instance), "dense_eval_steps": max(s["dense_steps"], s["window"])}
    model, sharing = {}, {"mode": "full"}
    if run["kind"] == "dense":
        r = run["settings"]
        train["child_order"] = r["child_order"]
        if r["epochs"]:
            train["epochs"] = r["epochs"]
        if r["momentum"] is not None:
            train["momentum"] = r["momentum"]
        if r["bn_momentum"] is not None:
            model["bn_momentum"] = r["bn_momentum"]
    elif run["kind"] == "group":
        g = s["group"]
        train["child_order"] = g["child_order"]
        if g["epochs"]:
            train["epochs"] = g["epochs"]
        sharing = {"mode": "group", "groups": run["settings"]["groups"], "grouping": run["settings"]["grouping"],
                   "grouping_seed": g["grouping_seed"]}
    else:
        train["child_order"] = s["prefix"]["child_order"]
        train["epochs"] = run["settings"]["epochs"]
        sharing = {"mode": "prefix", "prefix_cells": run["settings"]["prefix_cells"]}
    return merged(config, train=train, model=model, sharing=sharing)

"""Reading result tables back, with a clear error for a missing or hand-damaged file; the one place in
``wsnas.reporting`` that knows the 64 children (``CHILDREN``, in ``wsnas.core.space.CHILD_IDS`` order):
every per-child vector that the reports compute with comes from here in that order."""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.core.space import CHILD_IDS
from wsnas.errors import WsnasError

#: All 64 children, ``111`` .. ``444``: the column order of every matrix and vector in the reports.
CHILDREN: list[str] = list(CHILD_IDS)


def read_table(path, columns, text=(), sep=",") -> pd.DataFrame:
    """Read a results CSV (``sep="\t"``: a TSV such as a Snakemake benchmark) and check that ``columns``
    exist, are numeric (``child``: valid ids); the columns ``text`` are read as text ("" where empty)."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, sep=sep, dtype={"child": str, **dict.fromkeys(text, str)})
    except FileNotFoundError:
        raise WsnasError(f"results file {path} does not exist; rerun the step that writes it") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise WsnasError(f"results file {path} is not a readable CSV ({type(e).__name__}); delete it and rerun the step that writes it") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WsnasError(f"results file {path} lacks column(s) {', '.join(missing)}; delete it and rerun the step that writes it")
    for c in columns:
        if c != "child" and len(frame) and not pd.api.types.is_numeric_dtype(frame[c]):  # no rows: no type
            raise WsnasError(f"results file {path}: column {c} is not numeric; delete it and rerun the step that writes it")
    if "child" in columns and not frame["child"].isin(CHILDREN).all():
        bad = frame.loc[~frame["child"].isin(CHILDREN), "child"].iloc[0]
        raise WsnasError(f"results file {path}: {bad!r} is not a child id; delete it and rerun the step that writes it")
    present = [c for c in text if c in frame.columns]
    frame[present] = frame[present].fillna("")
    return frame


def per_child(series: pd.Series, source) -> pd.Series:
    """A per-child series (indexed by child id) in ``CHILDREN`` order; every child must be there."""
    if len(series.index.intersection(CHILDREN)) != len(CHILDREN):
        raise WsnasError(f"{source} covers {len(series.index.intersection(CHILDREN))} of the 64 children; rerun the step that writes it")
    return series.reindex(CHILDREN)


def child_matrix(table: pd.DataFrame, index: str, values: str, source) -> pd.DataFrame:
    """``index`` x child matrix (columns in ``CHILDREN`` order) of a long (index, child, values) table;
    the last row wins where one repeats. Every child must have a value at every ``index``."""
    matrix = table.pivot_table(index=index, columns="child", values=values, aggfunc="last")
    return child_columns(matrix, source, index)


def child_columns(matrix: pd.DataFrame, source, rows: str = "step") -> pd.DataFrame:
    """The 64 child columns of ``matrix`` in ``CHILDREN`` order, rows sorted; no child and no cell missing."""
    missing = [c for c in CHILDREN if c not in matrix.columns]
    if missing or matrix.empty or matrix[[c for c in CHILDREN if c in matrix.columns]].isna().any().any():
        raise WsnasError(f"{source} lacks some child at some {rows} (e.g. {missing[:1]}); delete it and rerun the step that writes it")
    return matrix[CHILDREN].sort_index()


def read_ground_truth(path) -> np.ndarray:
    """The ground truth as the reports use it: each child's mean standalone accuracy over the seeds, from
    the ground-truth summary (child, mean, std, seeds, rank), in ``CHILDREN`` order."""
    table = read_table(path, ["child", "mean"])
    return per_child(table.set_index("child")["mean"], f"results file {path}").to_numpy(dtype=float)


def read_accuracies(path) -> pd.Series:
    """Accuracy per child in CHILDREN order from a CSV with ``child`` and ``accuracy`` (or ``mean``, as in
    a ground-truth summary). With several rows per child (an ``epoch`` column), the last epoch counts."""
    header = pd.read_csv(path, nrows=0).columns if Path(path).is_file() else []
    column = "mean" if "mean" in header and "accuracy" not in header else "accuracy"
    table = read_table(path, ["child", column])
    if "epoch" in table.columns:
        table = table.sort_values("epoch", kind="stable")
    return per_child(table.groupby("child")[column].last(), f"results file {path}")


def write_csv(frame: pd.DataFrame, path) -> None:
    """Write a CSV atomically (temp file + rename), so a kill never leaves a half table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)

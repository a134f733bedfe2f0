"""Reading result tables back, with a clear error for a missing or hand-damaged file."""

from pathlib import Path

import pandas as pd

from wsnas.errors import WsnasError
from wsnas.core.space import CHILD_IDS


def read_table(path, columns) -> pd.DataFrame:
    """Read a results CSV and check that ``columns`` exist, are numeric (``child``: valid ids)."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"child": str})
    except FileNotFoundError:
        raise WsnasError(f"results file {path} does not exist; rerun the step that writes it") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise WsnasError(f"results file {path} is not a readable CSV ({type(e).__name__}); delete it and rerun the step that writes it") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WsnasError(f"results file {path} lacks column(s) {', '.join(missing)}; delete it and rerun the step that writes it")
    for c in columns:
        if c != "child" and not pd.api.types.is_numeric_dtype(frame[c]):
            raise WsnasError(f"results file {path}: column {c} is not numeric; delete it and rerun the step that writes it")
    if "child" in columns and not frame["child"].isin(CHILD_IDS).all():
        bad = frame.loc[~frame["child"].isin(CHILD_IDS), "child"].iloc[0]
        raise WsnasError(f"results file {path}: {bad!r} is not a child id; delete it and rerun the step that writes it")
    return frame


def read_accuracies(path) -> pd.Series:
    """Accuracy per child in CHILD_IDS order from a CSV with ``child`` and ``accuracy`` (or ``mean``, as in
    a ground-truth summary). With several rows per child (an ``epoch`` column), the last epoch counts."""
    header = pd.read_csv(path, nrows=0).columns if Path(path).is_file() else []
    column = "mean" if "mean" in header and "accuracy" not in header else "accuracy"
    table = read_table(path, ["child", column])
    if "epoch" in table.columns:
        table = table.sort_values("epoch", kind="stable")
    series = table.groupby("child")[column].last()
    if len(series) != len(CHILD_IDS):
        raise WsnasError(f"results file {path} covers {len(series)} of the 64 children; rerun the step that writes it")
    return series.reindex(list(CHILD_IDS))


def write_csv(frame: pd.DataFrame, path) -> None:
    """Write a CSV atomically (temp file + rename), so a kill never leaves a half table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)

"""Where a Snakemake run's time went: job-minutes per kind of job, read from Snakemake's own log.

    python -m bench.job_minutes [LOG]   # default: the newest .snakemake/log/*.snakemake.log

Each job's minutes run from the log line that starts it to the one that reports it finished (Snakemake
stamps both to the second). Study runs are told apart by their run name (prefix sharing, group sharing,
dense runs), so the table says which of them dominate. The last lines give the run's wall time and when
the first tables (Tables 1-2, Figures 2-3) were written.
"""

import argparse
import re
import sys
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
START = re.compile(r"^(?:local)?rule (\w+):$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)")
FIRST_TABLES = ("table1_stability", "table2_ground_truth", "fig2_stau_per_epoch", "fig3_rank_distribution")


def _time(text):
    return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y")


def parse(lines):
    """Jobs as dicts (rule, wildcards, output, start, end) in the order they started."""
    jobs, stamp, current = {}, None, None
    for raw in lines:
        line = raw.rstrip("\n")
        if m := STAMP.match(line):
            stamp, current = _time(m.group(1)), None
        elif m := START.match(line):
            current = {"rule": m.group(1), "start": stamp, "wildcards": {}, "output": ""}
        elif current is not None and line.strip().startswith("jobid:"):
            jobs[int(line.split(":")[1])] = current
        elif current is not None and line.strip().startswith("output:"):
            current["output"] = line.split(":", 1)[1].strip()
        elif current is not None and line.strip().startswith("wildcards:"):
            current["wildcards"] = dict(p.split("=", 1) for p in line.split(":", 1)[1].strip().split(", "))
        elif m := FINISHED.match(line):
            if int(m.group(1)) in jobs:
                jobs[int(m.group(1))]["end"] = stamp
    return [j for j in jobs.values() if "end" in j]


def kind(job) -> str:
    """The row a job counts under."""
    rule, run = job["rule"], job["wildcards"].get("run", "")
    if rule == "train_study":
        if run.startswith("prefix"):
            return "study: prefix sharing"
        if run == "group-m64":
            return "study: group sharing m = 64"
        if run.startswith("group"):
            return "study: other group sharing"
        return "study: dense runs (Figs 5, 7, 8, 9)"
    if rule == "evaluate_search":
        return f"evaluate_search: {job['wildcards'].get('bn', '')}"
    if rule in ("train_supernet", "train_ground_truth", "evaluate_subnets", "finetune", "prepare_data", "train_search",
                "train_search_pack", "train_supernet_pack", "retrain_child"):
        return rule
    return "metrics, tables, figures, reports"


def breakdown(jobs) -> list[dict]:
    rows = {}
    for job in jobs:
        row = rows.setdefault(kind(job), {"kind": kind(job), "jobs": 0, "minutes": 0.0})
        row["jobs"] += 1
        row["minutes"] += (job["end"] - job["start"]).total_seconds() / 60
    return sorted(rows.values(), key=lambda r: -r["minutes"])


def report(jobs) -> str:
    rows = breakdown(jobs)
    total = sum(r["minutes"] for r in rows)
    lines = ["| jobs | n | job-minutes | share |", "|---|---|---|---|"]
    lines += [f"| {r['kind']} | {r['jobs']} | {r['minutes']:.1f} | {100 * r['minutes'] / total:.0f} % |" for r in rows]
    lines.append(f"| all | {sum(r['jobs'] for r in rows)} | {total:.1f} | 100 % |")
    start, end = min(j["start"] for j in jobs), max(j["end"] for j in jobs)
    lines.append(f"\nwall time {_minutes(end - start)}")
    for name in FIRST_TABLES:
        done = [j["end"] for j in jobs if j["rule"] == name]
        if done:
            lines.append(f"{name} written after {_minutes(min(done) - start)}")
    return "\n".join(lines)


def _minutes(delta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", help="a Snakemake log (default: the newest under .snakemake/log)")
    args = parser.parse_args(argv)
    path = Path(args.log) if args.log else max(Path(".snakemake/log").glob("*.snakemake.log"), default=None,
                                                key=lambda p: p.stat().st_mtime)
    if path is None or not path.is_file():
        sys.exit(f"job_minutes: no Snakemake log {'at ' + str(path) if path else 'under .snakemake/log'}; "
                 "name one (python -m bench.job_minutes LOG)")
    jobs = parse(path.read_text().splitlines())
    if not jobs:
        sys.exit(f"job_minutes: {path} has no finished jobs")
    print(report(jobs))


if __name__ == "__main__":
    main()

"""The documentation: the generated configuration page is current, every relative link in README.md and
docs/ resolves, and the README stays short and keeps the commands CI and users copy. No torch."""

import re
from pathlib import Path

import yaml

from wsnas import config_docs
from wsnas.config import SCHEMA_PATH

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]

#: Commands that CI (.ci/run) and users copy from the README, verbatim.
README_COMMANDS = ("python3 -m pip install -r requirements.txt -e .", "snakemake --cores all all",
                   "python3 -m pytest -q", "snakemake --profile slurm all_tables")

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")


def _prose(text: str) -> str:
    """``text`` without fenced code blocks and inline code, where brackets are no links."""
    return CODE.sub("", FENCE.sub("", text))


def _links(path: Path) -> list:
    return LINK.findall(_prose(path.read_text()))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set:
    anchors, seen = set(), {}
    for line in FENCE.sub("", path.read_text()).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slug = _slug(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("#")


def test_configuration_page_is_generated_from_the_schema():
    expected = config_docs.render(yaml.safe_load(SCHEMA_PATH.read_text()))
    actual = config_docs.DOC_PATH.read_text() if config_docs.DOC_PATH.exists() else ""
    assert actual == expected, f"docs/configuration.md is stale; run: {config_docs.REGENERATE}"


def test_relative_links_point_at_existing_files():
    broken = []
    for page in PAGES:
        for target in _links(page):
            if _relative(target):
                file = (page.parent / target.split("#", 1)[0]).resolve()
                if not file.exists():
                    broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to missing files:\n" + "\n".join(broken)


def test_link_anchors_name_headings():
    broken = []
    for page in PAGES:
        for target in _links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or "#" not in target:
                continue
            name, anchor = target.split("#", 1)
            file = (page.parent / name).resolve() if name else page
            if file.suffix == ".md" and file.exists() and anchor not in _anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to missing headings:\n" + "\n".join(broken)


def test_readme_is_short_and_keeps_its_commands():
    text = README.read_text()
    lines = text.count("\n") + (not text.endswith("\n"))
    assert lines <= 220, f"README.md has {lines} lines; move detail into docs/ (at most 220)"
    missing = [command for command in README_COMMANDS if command not in text]
    assert not missing, f"README.md lost commands that CI and users copy: {missing}"


def test_every_docs_page_is_reachable_from_the_readme():
    reached, todo = set(), [README.resolve()]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        for target in _links(page):
            if _relative(target):
                file = (page.parent / target.split("#", 1)[0]).resolve()
                if file.suffix == ".md" and file.exists():
                    todo.append(file)
    unreachable = [str(p.relative_to(ROOT)) for p in PAGES if p.resolve() not in reached]
    assert not unreachable, f"docs pages no link reaches from README.md: {unreachable}"

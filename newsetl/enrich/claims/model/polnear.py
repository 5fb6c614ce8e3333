"""The PolNeAR attribution gold (brat standoff): reading one split for training and scoring.

A split folder holds ``text/<name>.txt`` and ``attributions/<name>_<annotator>.ann``;
one annotator file per article is used (the first by name), as in ``bench/claims.py``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[int, int]


@dataclass
class GoldAttribution:
    content: list[Span]
    source: list[Span]
    cue: list[Span]


@dataclass
class GoldArticle:
    name: str
    text: str
    attributions: list[GoldAttribution] = field(default_factory=list)


def _pieces(offsets: str) -> list[Span]:
    out = []
    for part in offsets.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def parse_ann(raw: str) -> list[GoldAttribution]:
    """Relations of one brat .ann file -> attributions (those with a Content)."""
    spans: dict[str, tuple[str, list[Span]]] = {}
    relations: list[dict[str, str]] = []
    for line in raw.splitlines():
        if line.startswith("T") and "\t" in line:
            parts = line.split("\t")
            if len(parts) < 2 or " " not in parts[1]:
                continue
            label, offsets = parts[1].split(" ", 1)
            try:
                spans[parts[0]] = (label, _pieces(offsets))
            except ValueError:
                continue
        elif line.startswith("E") and "\t" in line:
            roles = {}
            for item in line.split("\t")[1].split():
                if ":" in item:
                    role, ref = item.split(":", 1)
                    roles[role] = ref
            relations.append(roles)
    out = []
    for r in relations:
        if "Content" not in r or r["Content"] not in spans:
            continue
        content = spans[r["Content"]][1]
        source = spans[r["Source"]][1] if r.get("Source") in spans else []
        cue = spans[r["Cue"]][1] if r.get("Cue") in spans else []
        out.append(GoldAttribution(content, source, cue))
    return out


def annotation_files(root: Path, split: str) -> dict[str, list[Path]]:
    base = root / f"polnear-{split}"
    by_name: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted((base / "attributions").glob("*.ann")):
        by_name[ann.stem.rsplit("_", 1)[0]].append(ann)
    return by_name


def load_split(root: Path, split: str) -> list[GoldArticle]:
    """The articles of ``polnear-<split>`` under ``root`` with their gold attributions."""
    base = root / f"polnear-{split}"
    articles = []
    by_name = annotation_files(root, split)
    for name in sorted(by_name):
        txt = base / "text" / f"{name}.txt"
        if not txt.exists():
            continue
        ann = sorted(by_name[name])[0]  # one annotator per article
        articles.append(GoldArticle(name, txt.read_text(encoding="utf-8"), parse_ann(ann.read_text(encoding="utf-8"))))
    return articles

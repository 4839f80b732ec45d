"""Must-appear / must-not-appear extraction checks from other projects' public test pages.

Two converters, each reading a bare git mirror (``fetch github:owner/name``) and writing
JSON Lines records ``{"id", "url", "html", "must_include": [...], "must_exclude": [...]}``
that ``storyline eval extraction`` scores:

* ``trafilatura``: adbar/trafilatura's ``tests/realworld_tests.py`` (Apache-2.0), its own
  ``"..." in result`` / ``"..." not in result`` assertions of ``test_extract`` over the pages
  in ``tests/cache/``. This is the HELD-OUT set: score it, never tune on it.
* ``readability``: mozilla/readability's ``test/test-pages/*/`` (Apache-2.0), where
  ``expected.html`` is the article readability keeps from ``source.html``. must_include:
  the first :data:`HEAD_WORDS` words of each paragraph, list item, blockquote and heading
  of ``expected.html`` that has at least :data:`MIN_WORDS` words. must_exclude: short
  (:data:`MIN_WORDS` to 12 words) texts of leaf elements of ``source.html`` (outside
  script/style, inside nav/header/footer/aside or a link) whose words appear nowhere in
  the expected text; at most :data:`MAX_EXCLUDE` a page, picked with a fixed seed. The
  pages are split by page into a tune half and a check half (seed :data:`SEED`).

``tests/data/extraction-checks-slice.jsonl.gz`` is the smallest pages of the tune half
(under 300 KB gzipped), written by ``--slice``: mozilla/readability's test pages, Apache-2.0.

Usage: python bench/checks.py trafilatura MIRROR OUT.jsonl
       python bench/checks.py causes CHECKS.jsonl...   (why required strings are lost)
       python bench/checks.py readability MIRROR OUTDIR [--slice tests/data/...jsonl.gz]
"""

from __future__ import annotations

import ast
import gzip
import json
import random
import re
import subprocess
import sys
from pathlib import Path

HEAD_WORDS = 8
MIN_WORDS = 3
MAX_EXCLUDE = 12
SEED = 18
_WS = re.compile(r"\s+")


def _git(mirror: str, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={mirror}", *args], check=True,
                          capture_output=True).stdout


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes
        best = from_bytes(raw).best()
        return str(best) if best else raw.decode("latin-1")


def trafilatura_checks(mirror: str) -> list[dict]:
    """The assertions of realworld_tests.py's test_extract, each tied to the nearest preceding
    ``result = do_load_page(...)`` in source order."""
    source = _git(mirror, "show", "HEAD:tests/realworld_tests.py").decode()
    tree = ast.parse(source)
    pages = ast.literal_eval(next(n.value for n in tree.body if isinstance(n, ast.Assign)
                                  and getattr(n.targets[0], "id", "") == "MOCK_PAGES"))
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "test_extract")
    events = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and getattr(node.value.func, "id", "") == "do_load_page" and node.value.args \
                and isinstance(node.value.args[0], ast.Constant):
            events.append((node.lineno, "page", node.value.args[0].value))
        elif isinstance(node, ast.Assert):  # "a" in result, also inside and/or
            for test in ast.walk(node.test):
                if isinstance(test, ast.Compare) and isinstance(test.left, ast.Constant) \
                        and isinstance(test.left.value, str) \
                        and getattr(test.comparators[0], "id", "") == "result" \
                        and isinstance(test.ops[0], (ast.In, ast.NotIn)):
                    kind = "must_include" if isinstance(test.ops[0], ast.In) else "must_exclude"
                    events.append((node.lineno, kind, test.left.value))
    checks: dict[str, dict] = {}
    current = None
    for _, kind, value in sorted(events):
        if kind == "page":
            current = value
        elif current:
            checks.setdefault(current, {"must_include": [], "must_exclude": []})[kind].append(value)
    records = []
    for url, rec in checks.items():
        name = pages.get(url)
        if name:
            html = _decode(_git(mirror, "show", f"HEAD:tests/cache/{name}"))
            records.append({"id": name, "url": url, "html": html, **rec})
    return records


_BLOCKS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "pre")
_FURNITURE_PARENTS = ("nav", "header", "footer", "aside", "a", "button", "form", "label")


def readability_checks(mirror: str) -> list[dict]:
    import lxml.html

    names = [line.split("\t")[1] for line in
             _git(mirror, "ls-tree", "HEAD", "test/test-pages/").decode().splitlines()]
    rng = random.Random(SEED)
    records = []
    for path in sorted(names):
        name = path.rsplit("/", 1)[1]
        try:
            source = _decode(_git(mirror, "show", f"HEAD:{path}/source.html"))
            expected = _decode(_git(mirror, "show", f"HEAD:{path}/expected.html"))
        except subprocess.CalledProcessError:
            continue
        exp = lxml.html.fromstring(expected)
        include = []
        for el in exp.iter(*_BLOCKS):
            if any(a.tag in _BLOCKS for a in el.iterancestors()):
                continue  # a nested block is checked by its outer one
            words = _norm(el.text_content()).split()
            if len(words) >= MIN_WORDS:
                head = " ".join(words[:HEAD_WORDS])
                if head not in include:
                    include.append(head)
        expected_text = _norm(exp.text_content()).casefold()
        expected_words = set(re.findall(r"\w+", expected_text))
        try:
            src = lxml.html.fromstring(source)
        except Exception:
            continue
        candidates = []
        for el in src.iter():
            if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "title"):
                continue
            if len(el) or not el.text:
                continue
            if any(a.tag in ("script", "style", "head") for a in el.iterancestors()):
                continue
            if el.tag not in _FURNITURE_PARENTS and \
                    not any(a.tag in _FURNITURE_PARENTS for a in el.iterancestors()):
                continue
            text = _norm(el.text)
            words = re.findall(r"\w+", text.casefold())
            if not MIN_WORDS <= len(text.split()) <= 12 or not words:
                continue
            if text.casefold() in expected_text or set(words) <= expected_words \
                    or sum(w in expected_words for w in words) > len(words) / 2:
                continue
            if text not in candidates:
                candidates.append(text)
        exclude = rng.sample(candidates, min(MAX_EXCLUDE, len(candidates)))
        if include:
            records.append({"id": name, "url": None, "html": source,
                            "must_include": include, "must_exclude": exclude})
    return records


def split(records: list[dict]) -> tuple[list[dict], list[dict]]:
    ids = sorted(r["id"] for r in records)
    random.Random(SEED).shuffle(ids)
    tune = set(ids[: len(ids) // 2])
    return [r for r in records if r["id"] in tune], [r for r in records if r["id"] not in tune]


def write(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def cause(record: dict, text: str) -> str:
    """Why storyline's body lacks a required string, one stage at a time: not in the page's
    precision-mode extraction (and whether plain trafilatura has it), or the cleaning rule
    that dropped the paragraph holding it (a :func:`boilerplate_reason`, the promo list, the
    headline)."""
    import trafilatura

    from storyline import clean
    from storyline.errors import Origin
    from storyline.readers.html import extract_html

    flat = _norm(text)
    raw = extract_html(record["html"], Origin(record["id"]), url=record.get("url"), min_words=10)
    raw_text = getattr(raw, "text", "") or ""
    if flat not in _norm(raw_text):
        plain = trafilatura.extract(record["html"], url=record.get("url")) or ""
        return "extraction (plain has it)" if flat in _norm(plain) else "extraction (plain lacks it too)"
    pars = clean.paragraphs(raw_text)
    holders = [p for p in pars if flat in p] or pars
    if flat not in _norm("\n".join(pars)) and not any(flat in p for p in pars):
        return "split across paragraphs"
    after_lists = clean._without_promo_lists(pars)
    if not any(flat in p for p in after_lists):
        return "promo list"
    reasons = {clean.boilerplate_reason(p, raw.outlet) for p in holders}
    if None not in reasons:
        return sorted(r for r in reasons if r)[0]
    body = clean.clean_body(raw_text, outlet=raw.outlet, title=raw.title)
    if flat not in _norm(body):
        return "headline / repeated header row"
    return "other (ingest: learned lines, min words, dedup)"


def causes(path: str) -> dict[str, int]:
    """Cause -> count of required strings missing from storyline's stored body."""
    from collections import Counter

    from storyline.evaluate.extraction import _ingested_bodies, load_checks_set

    records = load_checks_set(path)
    bodies, _ = _ingested_bodies(records, 1)[1]
    counts: Counter = Counter()
    for rec, body in zip(records, bodies):
        for s in rec["must_include"]:
            if _norm(s) not in _norm(body):
                counts[cause(rec, s)] += 1
    return dict(counts.most_common())


def main(argv: list[str]) -> None:
    if argv[0] == "causes":
        for path in argv[1:]:
            print(path, json.dumps(causes(path), indent=1))
        return
    kind, mirror, out = argv[:3]
    if kind == "trafilatura":
        write(trafilatura_checks(mirror), Path(out))
        return
    records = readability_checks(mirror)
    tune, check = split(records)
    write(tune, Path(out) / "readability-tune.jsonl")
    write(check, Path(out) / "readability-check.jsonl")
    if "--slice" in argv:
        target = Path(argv[argv.index("--slice") + 1])
        small = sorted(tune, key=lambda r: len(r["html"]))
        chosen, size = [], 0
        for r in small:
            size += len(gzip.compress(json.dumps(r, ensure_ascii=False).encode()))
            if size > 280_000:
                break
            chosen.append(r)
        write(sorted(chosen, key=lambda r: r["id"]), target)


if __name__ == "__main__":
    main(sys.argv[1:])

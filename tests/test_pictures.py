"""The inline SVG pictures of a story: coverage over time and the timeline."""

import re
import xml.etree.ElementTree as ET

import pytest

from storyline.pictures import (MAX_COLUMNS, MAX_ENTRIES, MAX_OUTLETS, brief_articles,
                                coverage_svg, parse_day, source_anchors, timeline_svg)
from storyline.render import render_html

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Gazette <script>alert(1)</script> & Sons"
BODY = "The council met on Monday. It voted to close the pool. Residents protested on 3 May."


def _span(aid, text):
    start = BODY.index(text)
    return {"article_id": aid, "start": start, "end": start + len(text)}


def _brief() -> dict:
    return {
        "story_id": "s1", "title": f"Pool {HOSTILE}",
        "sources": [
            {"article_id": "a", "outlet": "The Herald", "label": "The Herald", "title": "Pool",
             "url": None, "published": "2024-05-01T09:00:00Z", "duplicates": ["a2", "a3"]},
            {"article_id": "b", "outlet": HOSTILE, "label": HOSTILE, "title": "Pool shut",
             "url": None, "published": "2024-05-03"},
            {"article_id": "c", "outlet": "Undated Times", "label": "Undated Times",
             "title": None, "url": None, "published": None},
        ],
        "summary": [{"text": "It voted to close the pool.", "citation": _span("a", "It voted to close the pool.")}],
        "timeline": [
            {"date": "2024-04-29", "expression": "Monday", "text": "The council met on Monday.",
             "span": _span("a", "The council met on Monday.")},
            {"date": "2024-05-03", "expression": "3 May", "text": f"Residents {HOSTILE} protested.",
             "span": _span("b", "Residents protested on 3 May.")},
            {"date": "2024-05", "expression": "May", "text": "x", "span": _span("b", "Residents")},
        ],
        "background": [{"date": "1990", "expression": "1990", "text": "old", "span": _span("a", "The")}],
    }


def _articles() -> list[dict]:
    return [
        {"id": "a", "outlet": "The Herald", "published": "2024-05-01T09:00:00Z", "duplicate_of": None},
        {"id": "a2", "outlet": "Wire", "published": "2024-05-01", "duplicate_of": "a"},
        {"id": "a3", "outlet": "The Herald", "published": "2024-05-02", "duplicate_of": "a"},
        {"id": "b", "outlet": HOSTILE, "published": "2024-05-03", "duplicate_of": None},
        {"id": "c", "outlet": "Undated Times", "published": None, "duplicate_of": None},
    ]


def _marks(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [el for el in root.iter() if "mark" in (el.get("class") or "").split()
            and el.get("href") is not None]


def _bodies() -> dict:
    return {aid: BODY for aid in ("a", "a2", "a3", "b", "c")}


def test_coverage_is_valid_svg_with_a_text_alternative():
    svg = coverage_svg(_articles(), source_anchors(_brief()))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "coverage-title coverage-desc"
    desc = root.find(f"{SVG}desc").text
    assert root.find(f"{SVG}title").text.startswith("Coverage")
    assert "4 dated articles" in desc and "2 near-duplicate copies" in desc
    assert "2024-05-01 to 2024-05-03" in desc and "1 undated article not drawn" in desc
    axis = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "2024-05-01" in axis and "2024-05-03" in axis
    assert "<script" not in svg and "&lt;script&gt;" in svg


def test_coverage_has_one_mark_per_dated_article_and_copies_apart():
    marks = _marks(coverage_svg(_articles(), source_anchors(_brief())))
    assert len(marks) == 4
    kinds = {re.search(r"(?:report|copy) (\S+)", m.find(f"{SVG}title").text)[1]: m.get("class")
             for m in marks}
    assert kinds == {"a": "mark report", "a2": "mark copy", "a3": "mark copy", "b": "mark report"}
    shapes = {m.get("class"): {c.tag for c in m} - {f"{SVG}title"} for m in marks}
    assert shapes == {"mark report": {f"{SVG}circle"}, "mark copy": {f"{SVG}rect"}}
    copy = next(m for m in marks if m.get("class") == "mark copy").find(f"{SVG}rect")
    assert copy.get("fill") == "#fff"  # hollow: reads without colour
    # a copy links to its original's source entry
    assert {m.get("href") for m in marks} == {"#src-1", "#src-2"}
    assert all(m.find(f"{SVG}title").text for m in marks)


def test_timeline_marks_each_dated_entry_and_skips_background():
    svg = timeline_svg(_brief())
    root = ET.fromstring(svg)
    marks = _marks(svg)
    assert [m.get("href") for m in marks] == ["#tl-1", "#tl-2", "#tl-3"]
    # "2024-05" is a month, not a day: drawn hollow
    assert [m.get("class") for m in marks] == ["mark entry", "mark entry", "mark entry approx"]
    assert marks[1].find(f"{SVG}title").text == f"2024-05-03 (3 May): Residents {HOSTILE} protested."
    desc = root.find(f"{SVG}desc").text
    assert "3 dated entries, 2024-04-29 to 2024-05-01" not in desc
    assert "3 dated entries, 2024-04-29 to 2024-05-03" in desc
    assert "1 background entry" in desc
    assert "<script" not in svg


def test_links_point_at_ids_in_the_rendered_page():
    page = render_html(_brief(), _bodies(), articles=_articles())
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    hrefs = {h for svg in svgs for h in re.findall(r'<a class="mark[^"]*" href="#([^"]+)"', svg)}
    assert hrefs and hrefs <= ids
    assert {"src-1", "src-2", "tl-1", "tl-2", "tl-3"} <= hrefs
    assert "<script" not in page
    assert page.count("coverage-title") == 2 and page.count('id="coverage-title"') == 1


def test_the_brief_alone_draws_its_sources():
    articles = brief_articles(_brief())
    assert [(a["id"], a["duplicate_of"]) for a in articles] == [
        ("a", None), ("a2", "a"), ("a3", "a"), ("b", None), ("c", None)]
    svg = coverage_svg(articles, source_anchors(_brief()))
    assert len(_marks(svg)) == 2  # the copies carry no date of their own in the brief
    assert "3 undated articles not drawn" in ET.fromstring(svg).find(f"{SVG}desc").text
    page = render_html(_brief(), _bodies())
    assert page.count("<svg") == 2


def test_empty_story_draws_nothing():
    assert coverage_svg([]) == ""
    assert coverage_svg([{"id": "x", "outlet": "A", "published": None}]) == ""
    assert timeline_svg({"timeline": []}) == ""
    assert timeline_svg({"timeline": [{"date": "soon", "text": "?"}]}) == ""
    page = render_html({"story_id": "s", "sources": [], "timeline": []}, {})
    assert "<svg" not in page


def test_size_is_bounded_for_a_large_story():
    articles = [{"id": f"n{i}", "outlet": f"Outlet {i % 25}", "duplicate_of": f"n{i - 1}" if i % 3 else None,
                 "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}"} for i in range(1000)]
    svg = coverage_svg(articles, {a["id"]: "src-1" for a in articles})
    root = ET.fromstring(svg)
    rows = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert len(rows) == MAX_OUTLETS
    assert "and 17 more outlets" in svg
    assert len(_marks(svg)) <= MAX_OUTLETS * MAX_COLUMNS
    assert len(svg) < 150_000
    desc = root.find(f"{SVG}desc").text
    assert "1000 dated articles" in desc and "from 25 outlets" in desc
    timeline = {"timeline": [{"date": f"2023-01-{1 + i % 28:02d}", "text": "x" * 500}
                             for i in range(500)]}
    svg = timeline_svg(timeline)
    assert len(_marks(svg)) == MAX_ENTRIES and "440 more entries not shown" in svg
    assert len(svg) < 60_000


@pytest.mark.parametrize("value, day", [("2024-05-03T10:00:00Z", "2024-05-03"), ("2024-05", "2024-05-01"),
                                        ("2024", "2024-01-01"), ("2024-13-01", None), (None, None),
                                        ("May", None)])
def test_parse_day(value, day):
    parsed = parse_day(value)
    assert (parsed.isoformat() if parsed else None) == day


def test_story_articles_label_originals_as_the_brief_does():
    from storyline.results import StorySource
    from storyline.web import story_articles

    sources = [StorySource("a", None, "Pool", None, "2024-05-01", None, None),
               StorySource("a2", "Wire", None, None, "2024-05-02", "a", None),
               StorySource("a3", None, None, None, "2024-05-02", "a", None)]
    brief = {"sources": [{"article_id": "a", "label": "The Herald", "duplicates": ["a2", "a3"]}]}
    assert story_articles(brief, sources) == [
        {"id": "a", "outlet": "The Herald", "published": "2024-05-01", "duplicate_of": None},
        {"id": "a2", "outlet": "Wire", "published": "2024-05-02", "duplicate_of": "a"},
        {"id": "a3", "outlet": "The Herald", "published": "2024-05-02", "duplicate_of": "a"}]


def test_html_brief_of_a_library_draws_a_copy_on_its_own_day(library, seed_records, tmp_path):
    from .conftest import write_jsonl

    copy = {**seed_records[0], "id": "seed-a-copy", "outlet": "Wire & <Co>", "published": "2021-03-15"}
    library.ingest([write_jsonl(tmp_path / "s.jsonl", [*seed_records, copy])], jobs=1)
    story = library.stories()[0].story_id
    brief = library.brief(story)
    assert [s.article.id for s in brief.sources if s.copies] == ["seed-a"]
    page = brief.to_html()
    svg = re.search(r"<svg.*?</svg>", page, re.S)[0]
    marks = _marks(svg)
    assert len(marks) == 3
    copy_mark = next(m for m in marks if m.get("class") == "mark copy")
    assert copy_mark.find(f"{SVG}title").text == "Wire & <Co>, 2021-03-15: near-duplicate copy seed-a-copy (of seed-a)"
    assert copy_mark.get("href") == "#src-1" and 'id="src-1"' in page
    assert "Wire &amp; &lt;Co&gt;" in svg


def test_no_stylesheet_of_the_pages_restyles_the_pictures():
    """The marks' sizes and fills are presentation attributes, which any CSS rule beats: no
    class the pictures use may be a class the brief's or the site's stylesheet styles."""
    from pathlib import Path

    from storyline.render import BRIEF_CSS

    css = BRIEF_CSS + (Path(__file__).parent.parent / "src/storyline/static/storyline.css").read_text()
    styled = set(re.findall(r"\.([A-Za-z][\w-]*)", re.sub(r"\{[^}]*\}", "{}", css)))
    used = set()
    for svg in (coverage_svg(_articles(), source_anchors(_brief())), timeline_svg(_brief())):
        for el in ET.fromstring(svg).iter():
            used.update((el.get("class") or "").split())
    assert used and not used & styled, used & styled

import html
import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from storyline.render import render_html, render_markdown

from .conftest import EXAMPLES

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _bodies() -> dict[str, str]:
    with open(EXAMPLES / "seed-pair.jsonl", encoding="utf-8") as fh:
        bodies = {rec["id"]: rec["text"] for rec in map(json.loads, fh)}
    bodies["seed-a-copy"] = bodies["seed-a"]
    return bodies


def _cut(bodies: dict, article_id: str, text: str) -> dict:
    start = bodies[article_id].find(text)
    assert start >= 0, text
    return {"article_id": article_id, "start": start, "end": start + len(text)}


def _brief(bodies: dict) -> dict:
    """A small brief over the seed pair; seed-a-copy is a near-duplicate folded under seed-a."""
    def span(aid, text):
        return _cut(bodies, aid, text)

    a_arrests = "The force later said four people were arrested for public order and coronavirus regulation breaches."
    b_arrests = "the force later said four people were arrested for public order and coronavirus regulation breaches."
    a_lead = ("London mayor Sadiq Khan has called for an independent investigation into the "
              "Metropolitan Police's actions at the vigil on Saturday.")
    b_lead = "Metropolitan Police Commissioner Dame Cressida Dick is being urged to resign"
    return {
        "schema_version": 1, "story_id": "s1", "title": "Khan calls for inquiry into vigil policing",
        "sources": [
            {"article_id": "seed-b", "outlet": "The Herald", "title": "Cressida Dick urged to resign",
             "url": "https://www.heraldscotland.com/news/dick", "published": "2021-03-14T09:00:00+00:00",
             "duplicates": [], "label": "The Herald"},
            {"article_id": "seed-a", "outlet": None, "title": "Sadiq Khan calls for investigation",
             "url": None, "published": "2021-03-13", "duplicates": ["seed-a-copy"],
             "label": "Sadiq Khan calls for investigation"},
        ],
        "summary": [
            {"text": a_lead, "citation": span("seed-a", a_lead), "support": ["seed-b"],
             "support_spans": [span("seed-b", b_lead)], "date": "2021-03-13"},
            {"text": a_arrests, "citation": span("seed-a-copy", a_arrests), "support": [],
             "support_spans": [], "date": None},
        ],
        "quotes": [
            {"text": "In my view, this was not the case,", "speaker": "Sadiq Khan", "speaker_entity": "e1",
             "kind": "direct", "span": span("seed-a", "In my view, this was not the case,"), "also_in": []},
            {"text": "shame on you", "speaker": None, "speaker_entity": None, "kind": "partial",
             "span": span("seed-a", "shame on you"), "also_in": []},
            {"text": "urgently seeking an explanation", "speaker": "Sadiq Khan", "speaker_entity": "e1",
             "kind": "partial", "span": span("seed-b", "urgently seeking an explanation"), "also_in": []},
            {"text": "police were put into a position", "speaker": "Helen Ball", "speaker_entity": "e2",
             "kind": "indirect", "span": span("seed-a", "police were put into a position"), "also_in": []},
        ],
        "entities": [
            {"id": "e2", "name": "Helen Ball", "type": "PERSON", "aliases": [], "articles": 1,
             "mentions": [span("seed-a", "Helen Ball")]},
            {"id": "e1", "name": "Sadiq Khan", "type": "PERSON", "aliases": ["Mr Khan"], "articles": 2,
             "mentions": [span("seed-a", "Sadiq Khan"), span("seed-b", "Sadiq Khan"), span("seed-a", "Mr Khan")]},
        ],
        "timeline": [
            {"date": "2021-03-03", "expression": "on 3 March",
             "text": "Ms Everard went missing while walking home from a friend's flat in south London on 3 March.",
             "span": span("seed-a", "Ms Everard went missing while walking home from a friend's flat "
                                    "in south London on 3 March."), "also_in": []},
            {"date": "2021-03-13", "expression": "on Saturday", "text": a_lead,
             "span": span("seed-a", a_lead), "also_in": [span("seed-b", b_lead)]},
        ],
        "facts": [
            {"status": "single-source", "text": "Vigils also took place in locations including Glasgow, "
             "Nottingham, Birmingham and Bristol.", "citation": span("seed-a", "Vigils also took place"),
             "evidence": [span("seed-a", "Vigils also took place")], "outlets": []},
            {"status": "corroborated", "text": a_arrests, "citation": span("seed-a", a_arrests),
             "evidence": [span("seed-a", a_arrests), span("seed-b", b_arrests)],
             "outlets": ["Sadiq Khan calls for investigation", "The Herald"]},
            {"status": "conflict", "text": "The 60-year-old joined the police force in 1983",
             "citation": span("seed-b", "The 60-year-old joined the police force in 1983"),
             "evidence": [span("seed-b", "The 60-year-old joined the police force in 1983"),
                          span("seed-a", "the 33-year-old")],
             "outlets": [], "disagreement": ["60-year-old / 33-year-old"]},
        ],
    }


@pytest.fixture
def bodies():
    return _bodies()


@pytest.fixture
def brief(bodies):
    return _brief(bodies)


def _hostile_brief(bodies):
    brief = _brief(bodies)
    bodies = dict(bodies, evil="Intro. " + HOSTILE[0] + " and " + HOSTILE[1] + " end.")
    evil_span = _cut(bodies, "evil", HOSTILE[0] + " and " + HOSTILE[1])
    brief["title"] = HOSTILE[0] + HOSTILE[1]
    brief["sources"].append({"article_id": "evil", "outlet": HOSTILE[1], "title": HOSTILE[0],
                             "url": "javascript:alert(1)", "published": HOSTILE[0], "label": HOSTILE[1]})
    brief["quotes"].append({"text": HOSTILE[0], "speaker": HOSTILE[1], "speaker_entity": None,
                            "kind": "direct", "span": evil_span, "also_in": []})
    brief["summary"].append({"text": HOSTILE[1], "citation": evil_span, "support": [], "support_spans": []})
    brief["facts"].append({"status": "conflict", "text": HOSTILE[0], "citation": evil_span,
                           "evidence": [evil_span], "disagreement": [HOSTILE[1]]})
    brief["entities"].append({"id": HOSTILE[0], "name": HOSTILE[0], "type": "ORG", "aliases": [HOSTILE[1]],
                              "mentions": [evil_span]})
    return brief, bodies


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 = False if tag == "h1" else self._in_h1

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3",
                "p", "section", "ul", "ol", "li", "sup", "a", "span", "br", "div", "table", "thead",
                "tbody", "tr", "th", "td", "time", "cite", "figure", "figcaption",
                # the inline SVG pictures
                "svg", "desc", "g", "text", "line", "circle", "rect", "path"}
_OUR_TAG = re.compile(r"<!DOCTYPE html>|</?(" + "|".join(sorted(ALLOWED_TAGS)) + r")[\s>/]")


# -- Markdown -----------------------------------------------------------------------------


def test_markdown_sections_in_order(brief, bodies):
    md = render_markdown(brief, bodies)
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == ["## Summary", "## Who said what", "## Timeline", "## Facts",
                     "## People, organisations and places", "## Sources"]
    assert md.startswith("# Khan calls for inquiry into vigil policing\n")
    assert "2 sources (+1 copy) · The Herald, Sadiq Khan calls for investigation · 2021-03-13 – 2021-03-14" in md


def test_markdown_summary_marks_cited_source_first(brief, bodies):
    md = render_markdown(brief, bodies)
    assert "on Saturday. [2, 1]\n" in md


def test_markdown_duplicate_span_gets_its_originals_number(brief, bodies):
    md = render_markdown(brief, bodies)
    line = next(x for x in md.splitlines() if x.startswith("- The force later said"))
    assert line.endswith("breaches. [2]")


def test_markdown_quotes_grouped_by_speaker_unattributed_last(brief, bodies):
    md = render_markdown(brief, bodies)
    section = md.split("## Who said what")[1].split("## Timeline")[0]
    heads = re.findall(r"^### (.+)$", section, re.MULTILINE)
    assert heads == ["Sadiq Khan", "Helen Ball", "Unattributed"]
    khan = section.split("### Sadiq Khan")[1].split("### Helen Ball")[0]
    assert "- “In my view, this was not the case,” [2]" in khan
    assert "- (partial) “urgently seeking an explanation” [1]" in khan
    assert "- (reported) police were put into a position [2]" in section.split("### Helen Ball")[1]
    assert "“shame on you”" in section.split("### Unattributed")[1]


def test_markdown_timeline_line(brief, bodies):
    md = render_markdown(brief, bodies)
    assert "- **2021-03-03** (on 3 March) Ms Everard went missing" in md
    assert re.search(r"^- \*\*2021-03-13\*\* \(on Saturday\) London mayor .* \[2, 1\]$", md, re.MULTILINE)


def test_markdown_facts_conflict_then_corroborated_then_single(brief, bodies):
    md = render_markdown(brief, bodies)
    facts = md.split("## Facts")[1].split("## People")[0]
    order = [facts.index(h) for h in ("### Where sources disagree", "### Corroborated", "### Single source")]
    assert order == sorted(order)
    assert "[1, 2] — sources disagree: 60-year-old / 33-year-old" in facts
    assert "[2, 1] — reported by Sadiq Khan calls for investigation, The Herald" in facts


def test_markdown_entities_and_sources(brief, bodies):
    md = render_markdown(brief, bodies)
    ents = md.split("## People, organisations and places")[1].split("## Sources")[0]
    assert ents.index("- **Sadiq Khan** (person; also Mr Khan) — 3 mentions in 2 articles\n") < ents.index(
        "- **Helen Ball** (person) — 1 mention in 1 article\n")
    assert ("- [1] The Herald — Cressida Dick urged to resign (2021-03-14) "
            "<https://www.heraldscotland.com/news/dick>") in md
    assert "- [2] Sadiq Khan calls for investigation (2021-03-13) (+1 copy)" in md


def test_entities_are_the_most_mentioned(brief, bodies):
    mention = brief["entities"][0]["mentions"][0]
    brief["entities"] = [{"id": f"x{i}", "name": f"Name{i:02}", "type": "ORG", "aliases": [],
                          "mentions": [mention] * i} for i in range(25)]
    md = render_markdown(brief, bodies)
    names = re.findall(r"^- \*\*(Name\d+)\*\*", md, re.MULTILINE)
    assert names == [f"Name{i:02}" for i in range(24, 4, -1)]
    assert "- …and 5 more" in md
    page = render_html(brief, bodies)
    assert page.count("<td>Name") == 20 and "Name04" not in page and "…and 5 more." in page


def test_markdown_text_cannot_break_structure(brief, bodies):
    brief["summary"][0]["text"] = "# Not a heading *or emphasis* [a](http://x) <b>"
    brief["quotes"][0]["speaker"] = "1. Not a list"
    brief["title"] = "- title"
    md = render_markdown(brief, bodies)
    tokens = MarkdownIt("commonmark").parse(md)
    heads = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert heads[0] == ("h1", "\\- title")
    assert [h for h in heads if h[0] != "h3"][1:] == [
        ("h2", s) for s in ("Summary", "Who said what", "Timeline", "Facts",
                            "People, organisations and places", "Sources")]
    assert ("h3", "1\\. Not a list") in heads
    rendered = MarkdownIt("commonmark").render(md)
    assert "<li># Not a heading *or emphasis* [a](http://x) &lt;b&gt; [2, 1]</li>" in rendered


# -- HTML ---------------------------------------------------------------------------------


def test_html_page_is_self_contained(brief, bodies):
    page = render_html(brief, bodies)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page and '<meta charset="utf-8">' in page
    assert '<meta name="viewport"' in page
    assert 'src="http' not in page and "<link" not in page and "@import" not in page
    assert "url(" not in page
    assert {tag for tag, _ in _parse(page).tags} <= ALLOWED_TAGS
    for sid in ("summary", "quotes", "timeline", "facts", "entities", "sources"):
        assert f'<section id="{sid}">' in page
    assert '<li id="src-1">' in page and '<li id="src-2">' in page
    assert '<a href="https://www.heraldscotland.com/news/dick" rel="noopener">The Herald</a>' in page


def test_html_tip_shows_the_exact_cited_text(brief, bodies):
    page = render_html(brief, bodies)
    cite = brief["summary"][0]["citation"]
    text = bodies["seed-a"][cite["start"]:cite["end"]]
    spans = html.escape(json.dumps([["seed-a", cite["start"], cite["end"]]]))
    assert (f'<a class="cite" href="#src-2" data-article="seed-a" data-spans="{spans}" tabindex="0">'
            f'2<span class="tip" role="tooltip">“{html.escape(text)}” <span class="by">— Sadiq Khan '
            'calls for investigation</span></span></a>') in page
    support = brief["summary"][0]["support_spans"][0]
    b_text = bodies["seed-b"][support["start"]:support["end"]]
    assert f'tabindex="0">1<span class="tip" role="tooltip">“{b_text}”' in page
    assert ".cite:hover .tip,.cite:focus-visible .tip{display:block}" in page


def test_html_fact_evidence_tips_and_duplicate_numbers(brief, bodies):
    page = render_html(brief, bodies)
    conflict = re.search(r'<li class="fact conflict">.*?</li>', page).group(0)
    assert ">1<span class=\"tip\" role=\"tooltip\">“The 60-year-old joined the police force in 1983”" in conflict
    assert ">2<span class=\"tip\" role=\"tooltip\">“the 33-year-old”" in conflict
    assert "60-year-old / 33-year-old" in conflict
    assert conflict.count("The 60-year-old joined") == 2  # the fact's text and one tip line, not two
    assert 'href="#src-2" data-article="seed-a-copy"' in page


def test_html_fact_statuses_have_classes_and_labels_in_order(brief, bodies):
    page = render_html(brief, bodies)
    found = re.findall(r'<li class="fact ([a-z-]+)"><span class="badge">([^<]+)</span>', page)
    assert found == [("conflict", "Conflict"), ("corroborated", "Corroborated"),
                     ("single-source", "Single source")]
    for status in ("conflict", "corroborated", "single-source"):
        assert f".fact.{status}{{border-color:" in page


def test_html_quotes_grouped_by_speaker(brief, bodies):
    page = render_html(brief, bodies)
    speakers = re.findall(r'<div class="speaker"><h3>([^<]+)</h3>', page)
    assert speakers == ["Sadiq Khan", "Helen Ball", "Unattributed"]
    khan = page.split("<h3>Sadiq Khan</h3>")[1].split("</div>")[0]
    assert "“In my view, this was not the case,”" in khan and "shame on you" not in khan


def test_html_escapes_hostile_text(bodies):
    brief, bodies = _hostile_brief(bodies)
    page = render_html(brief, bodies)
    for raw in HOSTILE:
        assert raw not in page
        assert html.escape(raw) in page
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert 'href="javascript' not in page
    parsed = _parse(page)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert parsed.h1 == HOSTILE[0] + HOSTILE[1]
    tip = f'“{html.escape(HOSTILE[0])} and {html.escape(HOSTILE[1])}” <span class="by">— {html.escape(HOSTILE[1])}'
    assert tip in page


def test_markdown_hostile_text_is_inert(bodies):
    brief, bodies = _hostile_brief(bodies)
    rendered = MarkdownIt("commonmark").render(render_markdown(brief, bodies))
    for raw in HOSTILE:
        assert raw not in rendered
        assert html.escape(raw) in rendered  # shown as text, not dropped
    assert "<script" not in rendered.lower() and "<img" not in rendered.lower()


def test_missing_bodies_and_unknown_sources_do_not_crash(brief, bodies):
    partial = {"seed-a": bodies["seed-a"]}
    brief["quotes"].append({"text": "gone", "speaker": None, "speaker_entity": "nobody", "kind": "direct",
                            "span": {"article_id": "not-a-source", "start": 0, "end": 4}})
    brief["timeline"].append({"date": "2021", "expression": "in 2021", "text": "",
                              "span": {"article_id": "seed-a", "start": 10, "end": 10**6}})
    page = render_html(brief, partial)
    assert '<a class="cite" href="#src-1" data-article="seed-b" data-spans="[]" tabindex="0">1</a>' in page
    assert '<span class="cite missing"' in page
    md = render_markdown(brief, partial)
    assert "“gone” [?]" in md


def test_minimal_brief_renders():
    brief = {"schema_version": 1, "story_id": "s", "title": "", "summary": [], "quotes": [],
             "entities": [], "timeline": [], "facts": [],
             "sources": [{"article_id": "x", "outlet": None, "title": None, "url": "http://[bad",
                          "published": None}]}
    md = render_markdown(brief, {})
    assert "# s\n" in md and "- [1] x" in md and "_None._" in md
    page = render_html(brief, {})
    assert '<li id="src-1"><span class="num">[1]</span> x</li>' in page


_text = st.text(st.one_of(st.sampled_from(list("<>&\"'/= ab")), st.characters()), max_size=40)


@given(title=_text, quote=_text, speaker=_text, label=_text, body=_text)
@settings(max_examples=150, deadline=None)
def test_html_never_lets_text_make_markup(title, quote, speaker, label, body):
    bodies = {"a": body}
    span = {"article_id": "a", "start": 0, "end": len(body)}
    brief = {"schema_version": 1, "story_id": "s", "title": title or "t",
             "sources": [{"article_id": "a", "outlet": label, "title": title, "url": label,
                          "published": None, "label": label or "a"}],
             "summary": [{"text": body, "citation": span, "support": []}],
             "quotes": [{"text": quote, "speaker": speaker, "speaker_entity": None, "kind": "direct",
                         "span": span}],
             "entities": [{"id": "e", "name": speaker, "type": "PERSON", "aliases": [quote],
                           "mentions": [span]}],
             "timeline": [], "facts": [{"status": "conflict", "text": quote, "evidence": [span],
                                        "disagreement": [title]}]}
    page = render_html(brief, bodies)
    parsed = _parse(page)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert parsed.h1 == (title or "t")
    assert all(_OUR_TAG.match(page, m.start()) for m in re.finditer("<", page))


@st.composite
def body_and_marks(draw):
    body = draw(st.text(alphabet=st.sampled_from('ab <>&"\'\n'), max_size=40))
    marks = []
    for i in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, len(body)))
        end = draw(st.integers(start, len(body)))
        marks.append((start, end, draw(st.sampled_from(["cited", "ent person", "quote"])), f"k{i}"))
    return body, marks


@settings(max_examples=300)
@given(body_and_marks())
def test_mark_spans_keeps_the_text_and_each_mark_covers_exactly_its_span(case):
    from storyline.render import mark_spans

    body, marks = case
    page = mark_spans(body, marks)
    assert html.unescape(re.sub(r"<[^>]*>", "", page)) == body  # every "<" left is a tag
    for start, end, _, key in marks:
        pieces = re.findall(r'<span class="[^"]*" data-c="([^"]*)">([^<]*)</span>', page)
        covered = "".join(html.unescape(text) for keys, text in pieces if key in keys.split())
        assert covered == body[start:end]

"""The timeline: one entry per event, the same event of several sources as one, and what
happened long before the story apart as background."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.brief import BriefSettings, BriefSource, build_brief
from storyline.brief.timeline import build_timeline, last_day, sentence_date
from storyline.dates import find_dated_events
from storyline.records import Annotation, Article
from storyline.render import render_html, render_markdown
from storyline.spans import make_span

from ..conftest import ROOT, annotate_text

SCHEMA = json.loads((ROOT / "src" / "storyline" / "brief.schema.json").read_text())


def validate(brief: dict) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(SCHEMA).validate(brief)


def source(article_id: str, body: str, published: str | None = "2021-03-14",
           outlet: str | None = None) -> BriefSource:
    """One article annotated with the real model."""
    article = Article(id=article_id, revision=1, outlet=outlet or article_id, title=None,
                      url=None, published=published, body=body)
    return BriefSource(article, annotate_text(body, published, article_id))


def listed(brief: dict) -> list[tuple[str, int]]:
    """(article, sentence start) of every sentence the timeline and background cite."""
    return [(s["article_id"], s["start"]) for t in brief["timeline"] + brief["background"]
            for s in [t["span"], *t["also_in"]]]


@pytest.fixture(scope="module")
def seed_brief(request):
    annotations = request.getfixturevalue("seed_annotations")
    with open(ROOT / "examples" / "seed-pair" / "seed-pair.jsonl", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    sources = [BriefSource(Article(id=r["id"], revision=1, outlet=r["outlet"], title=r["title"],
                                   url=r["url"], published=r["published"], body=r["text"]),
                           annotations[r["id"]]) for r in records]
    brief = build_brief("seed", "The vigil", sources)
    return brief.to_dict(), brief.bodies


def test_seed_sentence_with_two_dates_is_listed_once(seed_brief):
    brief, _ = seed_brief
    cited = listed(brief)
    assert len(cited) == len(set(cited))
    gathered = [t for t in brief["timeline"] if "Clapham Common on Saturday" in t["text"]]
    # "on Saturday" (a day) dates it, not "this week" (a month)
    assert [(t["date"], t["expression"]) for t in gathered] == [("2021-03-13", "on Saturday")]
    asked = [t for t in brief["timeline"] if "come into City Hall today" in t["text"]]
    # "yesterday's events" dates the events, not the asking
    assert [(t["date"], t["expression"]) for t in asked] == [("2021-03-14", "today")]
    joined = [t for t in brief["timeline"] + brief["background"]
              if "joined the police force" in t["text"]]
    assert [(t["date"], t["expression"]) for t in joined] == [("1983", "in 1983")]


def test_seed_career_is_background_and_the_vigil_is_the_timeline(seed_brief):
    brief, bodies = seed_brief
    dates = [t["date"] for t in brief["timeline"]]
    assert {"2021-03-03", "2021-03-10", "2021-03-13", "2021-03-14"} <= set(dates)
    assert dates == sorted(dates) and all(d.startswith("2021-03") for d in dates)
    background = [t["date"] for t in brief["background"]]
    assert background == sorted(background) and "1983" in background
    assert all(d < "2021" for d in background)
    for t in brief["timeline"] + brief["background"]:
        span = t["span"]
        assert t["text"] == bodies[span["article_id"]][span["start"]:span["end"]]
        assert t["expression"] in t["text"]


def test_seed_brief_with_background_follows_the_schema(seed_brief):
    brief, _ = seed_brief
    assert brief["background"]
    validate(brief)
    without = {k: v for k, v in brief.items() if k != "background"}
    validate(without)  # optional: a brief made before it still validates
    broken = {**brief, "background": [{"date": "in 1983", "expression": "in 1983"}]}
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_background_renders_after_the_timeline(seed_brief):
    brief, bodies = seed_brief
    md = render_markdown(brief, bodies)
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads.index("## Background") == heads.index("## Timeline") + 1
    section = md.split("## Background")[1].split("## Facts")[0]
    assert re.search(r"^- \*\*1983\*\* \(in 1983\) The 60-year-old joined", section, re.MULTILINE)
    assert "1983" not in md.split("## Timeline")[1].split("## Background")[0]
    page = render_html(brief, bodies)
    assert page.index('<section id="timeline">') < page.index('<section id="background">') \
        < page.index('<section id="facts">')
    assert '<time datetime="1983">1983</time>' in page.split('<section id="background">')[1]
    empty = render_markdown({**brief, "background": []}, bodies)
    assert "## Background" not in empty


def test_same_event_in_two_sources_is_one_entry():
    a = source("a", "Police arrested four men in Leeds on Tuesday after a fight outside a "
               "nightclub. Officers said the men were released on bail on Wednesday.")
    b = source("b", "Four men were arrested in Leeds on Tuesday after a fight outside a "
               "nightclub, police said. A judge will hear the case next month.")
    brief = build_brief("s", "Leeds", [a, b]).to_dict()
    tuesday = [t for t in brief["timeline"] if t["date"] == "2021-03-09"]
    assert len(tuesday) == 1
    assert tuesday[0]["span"]["article_id"] == "a"
    assert [s["article_id"] for s in tuesday[0]["also_in"]] == ["b"]
    assert len(listed(brief)) == len(set(listed(brief)))
    assert [t["date"] for t in brief["timeline"]] == ["2021-03-09", "2021-03-10", "2021-04"]
    validate(brief)


def test_old_dates_are_background_by_the_setting():
    body = ("The club reopened on 10 March after a refit. Its licence was renewed on "
            "20 February. The owner was fined on 1 February. The club first opened in 1998.")
    a = source("a", body)
    brief = build_brief("s", "Club", [a]).to_dict()
    assert [t["date"] for t in brief["timeline"]] == ["2021-02-20", "2021-03-10"]
    assert [t["date"] for t in brief["background"]] == ["1998", "2021-02-01"]
    validate(brief)
    # the anchor is the earliest publication of any source
    later = source("b", "The club's neighbours complained about noise.", "2021-04-30")
    assert [t.date for t in build_brief("s", "Club", [a, later]).background] == \
        ["1998", "2021-02-01"]
    everything = build_brief("s", "Club", [a], BriefSettings(background_days=None))
    assert not everything.background and len(everything.timeline) == 4
    week = build_brief("s", "Club", [a], BriefSettings(background_days=7))
    assert [t.date for t in week.timeline] == ["2021-03-10"]


def test_undated_story_gives_empty_lists():
    plain = source("a", "The council approved the plan. Residents welcomed the decision.")
    brief = build_brief("s", "Plan", [plain]).to_dict()
    assert brief["timeline"] == [] and brief["background"] == []
    # with no publication date, "on Saturday" cannot be resolved, and nothing is background
    unanchored = source("b", "The council approved the plan on Saturday.", published=None)
    brief = build_brief("s", "Plan", [unanchored]).to_dict()
    assert brief["timeline"] == [] and brief["background"] == []
    validate(brief)


def test_no_publication_date_keeps_old_dates_in_the_timeline():
    old = source("a", "The council first approved the plan in 1998.", published=None)
    brief = build_brief("s", "Plan", [old])
    assert [t.date for t in brief.timeline] == ["1998"] and brief.background == []


# -- the rule, without the model ------------------------------------------------------------


def _annotated(article_id: str, body: str, published: str | None) -> BriefSource:
    """An article cut into sentences at ". ", its dates found by dates.py alone."""
    sentences = [make_span(article_id, body, m.start(), m.end())
                 for m in re.finditer(r"[^.]*(?:\.|$)", body) if m.group().strip()]
    events = find_dated_events(article_id, body, sentences, published)
    article = Article(id=article_id, revision=1, outlet=article_id, title=None, url=None,
                      published=published, body=body)
    return BriefSource(article, Annotation(article_id, 1, sentences, [], [], events))


def _events(body: str, published: str = "2021-03-14"):
    return _annotated("a", body, published).annotation.events


def test_sentence_date_rule():
    body = "People gathered on Saturday to remember a woman found dead this week."
    assert sentence_date(_events(body), body, False).expression == "on Saturday"
    body = "He joined the force in 1983 and was promoted in 1993."
    assert sentence_date(_events(body), body, False).date == "1983"
    body = "She discussed yesterday's events with him today."
    assert sentence_date(_events(body), body, False).expression == "today"
    body = "She discussed yesterday's events."
    assert sentence_date(_events(body), body, False).date == "2021-03-13"
    body = "LEEDS (March 14, 2021) — Four men were arrested on Tuesday."
    assert sentence_date(_events(body), body, True).expression == "on Tuesday"
    body = "LEEDS (March 14, 2021) — Four men were arrested."
    assert sentence_date(_events(body), body, True) is None
    assert sentence_date([], "Nothing dated.", False) is None


def test_last_day():
    assert str(last_day("2020")) == "2020-12-31"
    assert str(last_day("2020-02")) == "2020-02-29"
    assert str(last_day("2021-03-13")) == "2021-03-13"


_PHRASES = ("on Saturday", "on 3 March", "in 1983", "last week", "yesterday", "in April 2017",
            "this morning", "last night", "on Wednesday", "in 2001", "today", "")
_CLAUSES = ("police arrested four men", "the crowd gathered at the common", "the mayor spoke",
            "officers were seen grabbing women", "the force joined in")


@st.composite
def _stories(draw):
    count = draw(st.integers(1, 3))
    sources = []
    for n in range(count):
        sentences = draw(st.lists(st.tuples(st.sampled_from(_CLAUSES), st.sampled_from(_PHRASES),
                                            st.sampled_from(_PHRASES)), min_size=1, max_size=5))
        body = " ".join(f"{c[0].upper()}{c[1:]} {p} and again {q}.".replace("  ", " ")
                        for c, p, q in sentences)
        published = draw(st.sampled_from(("2021-03-14", "2021-03-20", None)))
        sources.append(_annotated(f"a{n}", body, published))
    keys = [(s.article.id, i) for s in sources for i in range(len(s.annotation.sentences))]
    pairs = draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(keys)), max_size=8))
    same: dict = {}
    for x, y in pairs:
        if x[0] != y[0]:
            same.setdefault(x, set()).add(y)
            same.setdefault(y, set()).add(x)
    return sources, same, draw(st.sampled_from((30, 0, 400, None)))


@settings(max_examples=150, deadline=None)
@given(_stories())
def test_timeline_cites_each_sentence_once_and_exactly(story):
    sources, same, days = story
    timeline, background = build_timeline(sources, same, BriefSettings(background_days=days))
    bodies = {s.article.id: s.article.body for s in sources}
    cited = []
    for entry in timeline + background:
        for span in [entry.span, *entry.also_in]:
            assert span.text == bodies[span.article_id][span.start:span.end]
            cited.append((span.article_id, span.start))
        articles = [s.article_id for s in [entry.span, *entry.also_in]]
        assert len(articles) == len(set(articles))  # one sentence per source
        assert entry.expression in entry.span.text
    assert len(cited) == len(set(cited))
    for part in (timeline, background):
        assert [t.date for t in part] == sorted(t.date for t in part)
    if days is None or all(s.article.published is None for s in sources):
        assert background == []
    # every dated sentence is listed somewhere
    dated = {(e.span.article_id, e.span.start) for s in sources for e in s.annotation.events}
    assert set(cited) == dated

import itertools
import re
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.dates import find_dated_events, resolve_date
from storyline.spans import make_span

SUNDAY = date(2021, 3, 14)  # the seed pair's publication day
ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def split_sentences(article_id, body):
    """A naive splitter (lines, then punctuation before a space), so tests need no spaCy."""
    spans = []
    for line in re.finditer(r"[^\n]+", body):
        for part in re.finditer(r".+?(?:[.!?](?=\s)|$)", line.group()):
            start = line.start() + part.start()
            span = make_span(article_id, body, start, start + len(part.group()))
            if span.text:
                spans.append(span)
    return spans


def events(body, published="2021-03-14", date_spans=()):
    found = find_dated_events("a", body, split_sentences("a", body), published, date_spans)
    return [(e.expression, e.date) for e in found]


@pytest.mark.parametrize("expression, expected", [
    # weekdays: the latest such day on or before publication
    ("on Saturday", "2021-03-13"),
    ("Wednesday", "2021-03-10"),
    ("on Sunday", "2021-03-14"),
    ("Saturday night", "2021-03-13"),
    ("Friday evening", "2021-03-12"),
    ("last Saturday", "2021-03-13"),
    ("last Sunday", "2021-03-07"),
    ("this past Monday", "2021-03-08"),
    ("next Saturday", "2021-03-20"),
    ("next Sunday", "2021-03-21"),
    ("this coming Tuesday", "2021-03-16"),
    # days relative to publication
    ("last night", "2021-03-13"),
    ("last evening", "2021-03-13"),
    ("yesterday", "2021-03-13"),
    ("yesterday afternoon", "2021-03-13"),
    ("the day before yesterday", "2021-03-12"),
    ("today", "2021-03-14"),
    ("earlier today", "2021-03-14"),
    ("this morning", "2021-03-14"),
    ("tonight", "2021-03-14"),
    ("tomorrow", "2021-03-15"),
    ("two weeks ago", "2021-02-28"),
    ("three days ago", "2021-03-11"),
    # weeks, months and years relative to publication, at their honest precision
    ("this week", "2021-03"),
    ("earlier this week", "2021-03"),
    ("last week", "2021-03"),
    ("this month", "2021-03"),
    ("last month", "2021-02"),
    ("next month", "2021-04"),
    ("this year", "2021"),
    ("last year", "2020"),
    ("five years ago", "2016"),
    # full dates
    ("3 March 2021", "2021-03-03"),
    ("March 3, 2021", "2021-03-03"),
    ("on the 3rd of March, 2021", "2021-03-03"),
    ("Saturday September 16, 2017", "2017-09-16"),
    ("Sept. 11, 2001", "2001-09-11"),
    ("2021-03-03", "2021-03-03"),
    ("3/3/2021", "2021-03-03"),
    ("13/4/2021", "2021-04-13"),
    ("4/13/2021", "2021-04-13"),
    # day and month: the nearest such date not after publication
    ("3 March", "2021-03-03"),
    ("on 3 March", "2021-03-03"),
    ("March 3", "2021-03-03"),
    ("March 3rd", "2021-03-03"),
    ("14 March", "2021-03-14"),
    ("20 March", "2020-03-20"),
    ("20 December", "2020-12-20"),
    # months
    ("in April 2017", "2017-04"),
    ("April of 2017", "2017-04"),
    ("in April", "2020-04"),
    ("in March", "2021-03"),
    ("in early February", "2021-02"),
    ("last April", "2020-04"),
    ("last March", "2020-03"),
    ("next April", "2021-04"),
    ("next March", "2022-03"),
    ("by March of next year", "2022-03"),
    # years
    ("In 2001", "2001"),
    ("since 1983", "1983"),
    ("in mid-2019", "2019"),
    ("2001", "2001"),
])
def test_resolve_date(expression, expected):
    assert resolve_date(expression, SUNDAY) == expected


@pytest.mark.parametrize("expression", [
    "33-year-old", "aged 48", "for 10 years", "two weeks", "at 6pm", "Covid-19", "2,001 people",
    "in 1,983", "3/4/2021", "31 February 2021", "2021-02-30", "the 1990s", "", "nothing here",
])
def test_resolve_date_skips_what_is_not_a_date(expression):
    assert resolve_date(expression, SUNDAY) is None


@pytest.mark.parametrize("expression, expected", [
    ("will hold a vigil on Saturday", "2021-03-20"),
    ("is due to speak on Wednesday", "2021-03-17"),
    ("she'll be there Sunday", "2021-03-14"),
    ("will open on 3 March", "2022-03-03"),
    ("will open on 20 March", "2021-03-20"),
    ("is expected to close in April", "2021-04"),
    ("next Saturday", "2021-03-20"),
    ("last Saturday", "2021-03-13"),
    ("will be back tomorrow", "2021-03-15"),
    ("will recall what happened in 2001", "2001"),
])
def test_future_wording_looks_ahead(expression, expected):
    assert resolve_date(expression, SUNDAY) == expected


def test_looks_ahead_flag():
    assert resolve_date("Saturday", SUNDAY, looks_ahead=True) == "2021-03-20"
    assert resolve_date("Sunday", SUNDAY, looks_ahead=True) == "2021-03-14"
    assert resolve_date("last Saturday", SUNDAY, looks_ahead=True) == "2021-03-13"
    assert resolve_date("in February", SUNDAY, looks_ahead=True) == "2022-02"


def test_year_boundary():
    saturday = date(2021, 1, 2)
    assert resolve_date("20 December", saturday) == "2020-12-20"
    assert resolve_date("on Wednesday", saturday) == "2020-12-30"
    assert resolve_date("last month", saturday) == "2020-12"
    assert resolve_date("last year", saturday) == "2020"
    assert resolve_date("in December", saturday) == "2020-12"
    assert resolve_date("last week", saturday) == "2020-12"  # 21-27 December
    assert resolve_date("yesterday", date(2021, 1, 1)) == "2020-12-31"
    assert resolve_date("will meet on 5 January", date(2020, 12, 30)) == "2021-01-05"


def test_weeks_across_two_months_are_skipped():
    wednesday = date(2021, 3, 31)  # its week runs 29 March to 4 April
    assert resolve_date("this week", wednesday) is None
    assert resolve_date("last week", wednesday) == "2021-03"


def test_without_publication_only_dates_with_a_year_resolve():
    assert resolve_date("on Saturday", None) is None
    assert resolve_date("yesterday", None) is None
    assert resolve_date("3 March", None) is None
    assert resolve_date("in April", None) is None
    assert resolve_date("3 March 2021", None) == "2021-03-03"
    assert resolve_date("in April 2017", None) == "2017-04"
    assert resolve_date("In 2001", None) == "2001"
    assert events("Police said on Saturday that in 2001 she left.", None) == [("in 2001", "2001")]


def test_published_accepts_datetimes():
    assert resolve_date("yesterday", datetime(2021, 3, 14, 10)) == "2021-03-13"
    with_time = "2021-03-14T10:00:00+00:00"
    assert events("It began on Saturday.", with_time) == [("on Saturday", "2021-03-13")]
    assert events("It began on Saturday.", "not a date") == []


def test_bare_years_need_a_date_context():
    assert events("She joined in 1983 and left by 1993, from 2001 until 2005.") == [
        ("in 1983", "1983"), ("1993", "1993"), ("2001", "2001"), ("2005", "2005")]
    body = "Some 2001 people came to room 2001, and 2,001 more in 1,983 cars with Covid-19."
    assert events(body) == []


def test_date_hints_license_bare_years_and_months():
    body = "The 2001 report was late. Officials met May officials."
    assert events(body) == []
    year, may = body.index("2001"), body.index("May")
    hinted = events(body, date_spans=[(year, year + 4), (may, may + 3)])
    assert hinted == [("2001", "2001"), ("May", "2020-05")]


def test_may_alone_needs_a_modifier_or_hint():
    assert events("MPs lost confidence in May.") == []
    assert events("It closed in early May.") == [("in early May", "2020-05")]


def test_ages_durations_and_times_are_not_events():
    body = ("The 33-year-old, aged 48, was held for 10 years, two weeks in all, at 6pm. "
            "He spent three days there.")
    assert events(body) == []


def test_names_and_titles_are_not_dates():
    body = ("She told Sophy Ridge On Sunday it was fine. It ran in The Mail on Sunday. "
            "He spoke on the Today programme. Candidates braced for Super Tuesday. "
            "The Sunday Times reported it. USA Today agreed.")
    assert events(body) == []


def test_reported_speech_keeps_the_past_reading():
    body = "“We will win,” he said on Monday. “We will win on Monday,” he said."
    assert events(body) == [("on Monday", "2021-03-08"), ("on Monday", "2021-03-15")]


def test_before_and_after_do_not_date_the_sentence():
    assert events("It was clear before yesterday. It ended after 3 March.") == []


def test_approximate_ages_are_skipped():
    assert events("It began more than 20 years ago. Seventy-four years ago a battle raged.") == []


@pytest.mark.parametrize("body", [" “ Saturday", "“", " ( Today", "in", "0001-01-01",
                                  "on 9999-12-31", "yesterday", "next year", "last month"])
def test_odd_inputs_do_not_crash(body):
    for published in (None, "0001-01-01", "9999-12-31"):
        assert all(ISO.match(d) for _, d in events(body, published))
    for published in (date.min, date.max):
        result = resolve_date(body, published)
        assert result is None or ISO.match(result)


def test_empty_sentences_mean_the_whole_body():
    found = find_dated_events("a", "Police said on Saturday.", [], "2021-03-14")
    assert [(e.expression, e.span.text) for e in found] == [
        ("on Saturday", "Police said on Saturday.")]


def seed_events(seed_records):
    found = {}
    for rec in seed_records:
        body = rec["text"]
        sentences = split_sentences(rec["id"], body)
        for e in find_dated_events(rec["id"], body, sentences, rec["published"]):
            assert body[e.span.start:e.span.end] == e.span.text
            found.setdefault(" ".join(e.span.text.split()), []).append((e.expression, e.date))
    return found


def in_sentence(found, start):
    """The events of the one sentence that begins with ``start``."""
    matches = [evs for text, evs in found.items() if text.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


@pytest.mark.parametrize("start, expected", [
    ("Ms Everard went missing", [("on 3 March", "2021-03-03")]),
    ("Her body was found hidden", [("on Wednesday", "2021-03-10")]),
    ("People gathered in Clapham Common",
     [("on Saturday", "2021-03-13"), ("this week", "2021-03")]),
    ("London mayor Sadiq Khan", [("on Saturday", "2021-03-13")]),
    ("Metropolitan Police Commissioner Dame Cressida Dick is being urged",
     [("last night", "2021-03-13")]),
    ("In the early hours yesterday", [("yesterday", "2021-03-13")]),
    ("In 2001, she was awarded", [("In 2001", "2001")]),
    ("The 60-year-old joined the police force", [("in 1983", "1983"), ("in 1993", "1993")]),
    ("She came out as gay", [("in April 2017", "2017-04")]),
    ("Cressida Dick, Commissioner of the Metropolitan Police", [("in 2017", "2017")]),
    ("Picture date:", [("Saturday September 16, 2017", "2017-09-16")]),
    ("However, Home Office Minister", [("on Saturday night", "2021-03-13")]),
    ("In 2013, having become", [("In 2013", "2013")]),
])
def test_seed_pair(seed_records, start, expected):
    assert in_sentence(seed_events(seed_records), start) == expected


def test_seed_pair_has_no_spurious_events(seed_records):
    found = seed_events(seed_records)
    assert not [t for t in found if "33-year-old" in t]
    assert not [t for t in found if "Covid-19" in t]
    assert not [t for t in found if "Sophy Ridge On Sunday" in t]
    every = [d for evs in found.values() for _, d in evs]
    assert all(ISO.match(d) for d in every)


DATE_WORDS = ["on", "in", "since", "by", "last", "next", "this", "will", "said", "Saturday",
              "Sunday", "March", "May", "3", "16,", "2017", "2001", "3/3/2021", "2021-03-03",
              "yesterday", "night", "week", "year", "ago", "two", "the", "of", "“", "”", "\"",
              ".", "\n", "-", "Today", "early", "mid-", "On", "Super", "9999-12-31",
              "0001-01-01", "13/13/2021", "(", ""]
bodies = st.one_of(st.text(max_size=300),
                   st.lists(st.one_of(st.sampled_from(DATE_WORDS), st.text(max_size=3)),
                            max_size=60).map(" ".join))
publications = st.one_of(st.none(), st.dates().map(date.isoformat), st.text(max_size=30),
                         st.sampled_from(["0001-01-01", "9999-12-31", "2021-03-14T10:00:00+00:00"]))


@settings(max_examples=300, deadline=None)
@given(bodies, publications, st.data())
def test_find_dated_events_never_raises_and_cites_the_body(body, published, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    bounds = [0, *cuts, len(body)]
    sentences = [make_span("a", body, a, b) for a, b in itertools.pairwise(bounds)]
    offsets = st.integers(-5, len(body) + 5)
    hints = data.draw(st.lists(st.tuples(offsets, offsets), max_size=4))
    found = find_dated_events("a", body, sentences, published, hints)
    starts = [e.expression_span.start for e in found]
    assert starts == sorted(starts)
    for e in found:
        for s in (e.expression_span, e.span):
            assert 0 <= s.start <= s.end <= len(body)
            assert body[s.start:s.end] == s.text
        assert e.span.start <= e.expression_span.start <= e.expression_span.end <= e.span.end
        assert e.expression == e.expression_span.text
        assert ISO.match(e.date)


@settings(max_examples=300, deadline=None)
@given(bodies, st.one_of(st.none(), st.dates()), st.booleans())
def test_resolve_date_never_raises(expression, published, looks_ahead):
    result = resolve_date(expression, published, looks_ahead=looks_ahead)
    assert result is None or ISO.match(result)

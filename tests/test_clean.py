import re

from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.clean import (boilerplate_reason, clean_body, learnable_lines, line_key,
                             paragraphs, tidy_body)

BOILERPLATE = [
    "READ MORE: PICTURES: Four arrested after 'disturbing' clashes at vigil for Sarah Everard",
    "READ MORE: Cressida Dick and her role in the killing of John Charles de Menezes",
    "The Herald:",
    "PRESS ASSOCIATION Photo. Picture date: Saturday September 16, 2017",
    "Metropolitan Police Commissioner Cressida Dick (right) arrives at New Scotland Yard in London",
]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…\"”])\s+", text) if len(s.split()) > 3]


def test_seed_bodies_keep_every_sentence_and_drop_the_boilerplate(seed_records):
    for rec in seed_records:
        body = clean_body(rec["text"], outlet=rec["outlet"])
        for para in paragraphs(rec["text"]):
            if boilerplate_reason(para, rec["outlet"]) is None:
                assert para in body
        for junk in BOILERPLATE:
            assert junk not in body
        assert "Picture date" not in body
        assert "READ MORE" not in body
        assert not re.search(r"^The Herald:", body, re.M)
    khan = clean_body(seed_records[0]["text"])
    assert '"Further steps must now be taken to address this," said Mr Khan.' in khan
    assert "Vigils also took place in locations including Glasgow" in khan
    dick = clean_body(seed_records[1]["text"], outlet="The Herald")
    assert "Who is Cressida Dick?" in dick
    assert "She came out as gay in April 2017." in dick


def test_every_seed_sentence_survives(seed_records):
    """Sentences (not headings or captions) of the raw text are all in the body."""
    for rec in seed_records:
        body = clean_body(rec["text"], outlet=rec["outlet"])
        kept = [p for p in paragraphs(rec["text"]) if boilerplate_reason(p, rec["outlet"]) is None]
        dropped = [p for p in paragraphs(rec["text"]) if p not in kept]
        for para in dropped:
            # what we drop is never a full sentence of reporting
            assert not re.search(r"\b(said|told|says)\b", para)
        for sentence in sentences("\n".join(kept)):
            assert sentence in body


def test_paragraphs_are_blank_line_separated_and_tidied():
    raw = "  First   line\u00a0here.\r\nSecond\tline.\n\n\n\nThird.  "
    assert clean_body(raw) == "First line here.\n\nSecond line.\n\nThird."


def test_hard_wrapped_lines_are_joined():
    raw = "The council said the road\nwould reopen next week.\n\nA new paragraph."
    assert paragraphs(raw) == ["The council said the road would reopen next week.",
                               "A new paragraph."]


def test_nfc_and_quotes_as_written():
    raw = "Cafe\u0301 owner said: “it’s fine” and \"it's fine\"."
    body = clean_body(raw)
    assert "Café" in body and "“it’s fine”" in body and "\"it's fine\"" in body


def test_share_subscribe_cookie_lines_are_dropped():
    raw = "\n".join([
        "The minister resigned on Friday.",
        "Share this article",
        "Facebook Twitter Email",
        "Sign up to our daily newsletter for the latest news.",
        "We use cookies to improve your experience.",
        "Subscribe now",
        "She will be replaced next week.",
    ])
    assert clean_body(raw) == "The minister resigned on Friday.\n\nShe will be replaced next week."


def test_sentences_that_mention_such_words_are_kept():
    raw = ("More than 100 people were arrested.\n"
           "The company said it would share details of the newsletter scandal.\n"
           "Ms Dick (pictured) said she would not resign.")
    assert clean_body(raw) == tidy_body(raw)


def test_learned_lines_are_dropped_but_never_empty_the_body():
    raw = "The Gazette, serving the valley since 1887\n\nThe mayor opened the bridge."
    learned = {line_key("The Gazette, serving the valley since 1887")}
    assert clean_body(raw, learned=learned) == "The mayor opened the bridge."
    only = "The Gazette, serving the valley since 1887"
    assert clean_body(only, learned=learned) == only
    assert line_key("The Gazette, serving the valley since 1887") in learnable_lines(raw)


def test_long_paragraphs_are_not_learnable():
    long_para = " ".join(["word"] * 60) + "."
    assert learnable_lines(long_para) == set()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_cleaning_is_idempotent(text):
    once = clean_body(text)
    assert clean_body(once) == once
    assert tidy_body(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc XYZ.,:'\"\n(right)READ MORE", max_size=60), max_size=8))
def test_body_is_made_of_input_paragraphs(lines):
    raw = "\n".join(lines)
    body = clean_body(raw)
    source = paragraphs(raw)
    for para in body.split("\n\n") if body else []:
        assert para in source


def test_repeated_headline_and_byline_are_dropped():
    raw = ("Bridge reopens after two years\n\nBy Jane Roe and John Doe\n\nUpdated 3:45 PM ET\n\n"
           "The bridge reopened on Thursday.")
    title = "Bridge reopens after two years | The Gazette"
    assert clean_body(raw, title=title) == "The bridge reopened on Thursday."
    # without a title nothing is taken for a headline
    assert clean_body(raw).startswith("Bridge reopens after two years")
    # a headline that is all there is stays
    assert clean_body("Bridge reopens after two years", title=title) == "Bridge reopens after two years"


def test_related_headline_lists_are_dropped():
    raw = ("The council voted on Monday.\n\nDON'T MISS\n\nMan bites dog in town centre\n\n"
           "Ten things to do this weekend [VIDEO]\n\nThe vote passed by six to four.")
    assert clean_body(raw) == "The council voted on Monday.\n\nThe vote passed by six to four."


def test_follow_contact_and_advert_lines():
    raw = ("The strike ended.\n\nFollow the Echo on Facebook and Twitter\n\nAdvertisement\n\n"
           "Jane Roe can be reached at jane@example.com.\n\nTags: strike, rail")
    assert clean_body(raw) == "The strike ended."


def test_words_are_counted_in_scripts_without_spaces():
    from storyline.clean import count_words

    assert count_words("Home") == 1
    assert count_words("May 19, 2020") == 3
    assert count_words("The U.S. said so.") == 5
    assert count_words("子どもへの虐待をなくすための法律") == 16
    assert count_words("ภาษาไทย") == 7
    assert count_words("") == 0


def test_a_long_paragraph_with_a_trademark_mark_is_no_caption():
    """"Academy Award (R)" reads like "(r)", a caption's "right"; a caption is never 650 words."""
    text = ("Weitz, an Academy Award (R) -nominated writer, director and producer, has a proven "
            "track record. ") * 40 + "SOURCE Summit Entertainment"
    assert boilerplate_reason(text) is None
    assert boilerplate_reason("Sadiq Khan (right) with Dame Cressida Dick") == "picture caption"

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.quotes import find_quoted, looks_like_title

from .conftest import annotate_text


def _inner(body):
    return [body[q.start:q.end] for q in find_quoted(body)]


def test_straight_and_curly_pairs():
    body = 'He said "yes" and “no” today.'
    assert _inner(body) == ["yes", "no"]


def test_quote_over_paragraphs_is_one_quote():
    body = ('Mr Khan said: "I asked them to come in.\n\n'
            '"I am not satisfied.\n\n'
            '"Further steps must now be taken," said Mr Khan.\n\nNext paragraph.')
    found = find_quoted(body)
    assert len(found) == 1
    text = body[found[0].start:found[0].end]
    assert text.startswith("I asked") and text.endswith("taken,")


def test_unclosed_quote_ends_with_its_paragraph():
    body = 'She said: "This never closes.\n\nA new paragraph without a quote.'
    assert _inner(body) == ["This never closes."]


def test_single_quotes_but_not_apostrophes():
    body = "The minister called the scenes 'deeply distressing' but didn't resign from the players' union."
    assert _inner(body) == ["deeply distressing"]


def test_titles_are_not_quotes():
    assert looks_like_title("Fox News Sunday")
    assert looks_like_title("Contract with America")
    assert not looks_like_title("completely unacceptable")
    assert not looks_like_title("In my view, this was not the case,")


@given(st.text(alphabet=st.sampled_from(list('ab "“”\'‘’\n.,:')), max_size=80))
@settings(max_examples=300, deadline=None)
def test_find_quoted_offsets_are_sound(body):
    for q in find_quoted(body):
        assert 0 <= q.open < q.start <= q.end <= q.close <= len(body)


# -- attribution on the seed pair (real model) ------------------------------------------


def _speakers(annotation):
    return [(q.kind, q.speaker, q.text) for q in annotation.quotes]


def test_seed_pair_speakers(seed_annotations):
    a = seed_annotations["seed-a"]
    b = seed_annotations["seed-b"]
    by_words = {" ".join(q.text.split()[:2]): q
                for ann in (a, b) for q in ann.quotes if q.kind != "indirect"}
    expected = {
        "completely unacceptable": "Sadiq Khan",
        "In my": "Sadiq Khan",             # "..." he said.
        "I asked": "Sadiq Khan",           # over four paragraphs, "said Mr Khan"
        "where enforcement": "Helen Ball",
        "Hundreds of": "Helen Ball",       # She said: (pronoun)
        "shame on": "the assembled crowd",
        "consider your": "Ed Davey",       # urging her to "..."
        "a complete": "Ed Davey",          # He said ... (not Dame Cressida)
        "urgently seeking": "Sadiq Khan",  # London Mayor Sadiq Khan also said
        "I really,": "Victoria Atkins",    # the Home Office minister told Sky
        "I think": "Victoria Atkins",      # She added:
        "This has": "Victoria Atkins",     # She told Sky's Sophy Ridge On Sunday:
    }
    for start, speaker in expected.items():
        assert by_words[start].speaker == speaker, (start, by_words[start])
    assert by_words["I asked"].kind == "direct"
    assert by_words["completely unacceptable"].kind == "partial"
    atkins = [q for q in b.quotes if q.text in ("upsetting", "very seriously")]
    assert [q.speaker for q in atkins] == ["Victoria Atkins", "Victoria Atkins"]
    assert all(q.speaker_entity for q in b.quotes if q.speaker == "Victoria Atkins")


def test_seed_pair_indirect_speech(seed_annotations):
    indirect = {q.text: q.speaker for q in seed_annotations["seed-a"].quotes
                if q.kind == "indirect"}
    failed = next(t for t in indirect if "had failed to provide him" in " ".join(t.split()))
    assert indirect[failed] == "Sadiq Khan"  # "He said that ...": he = Khan
    assert not failed.startswith("that")


def test_every_cited_text_is_its_span(seed_annotations):
    from .conftest import EXAMPLES
    import json

    bodies = {json.loads(l)["id"]: json.loads(l)["text"]
              for l in (EXAMPLES / "seed-pair.jsonl").read_text().splitlines()}
    quotes = cues = 0
    for article_id, annotation in seed_annotations.items():
        body = bodies[article_id]
        for q in annotation.quotes:
            assert body[q.span.start:q.span.end] == q.text == q.span.text
            quotes += 1
            if q.cue:
                assert body[q.cue.start:q.cue.end] == q.cue.text
                cues += 1
    assert quotes and cues, (quotes, cues)  # there were quotes and cues to check


def test_speaker_of_previous_paragraph_carries_over():
    body = ('Assistant Commissioner Helen Ball said: "Hundreds of people were packed together.\n\n'
            '"Police must act for people\'s safety."\n\n'
            'The weather was cold.\n\n'
            '"We repeatedly encouraged those who were there to leave."')
    quotes = [q for q in annotate_text(body).quotes if q.kind == "direct"]
    assert quotes[0].speaker == "Helen Ball"
    assert "Police must act" in quotes[0].text  # one quote over two paragraphs
    assert quotes[-1].speaker is None  # a paragraph of narration breaks the chain: never guess


def test_role_noun_and_unknown_speakers():
    body = ('London mayor Sadiq Khan has called for an independent investigation into the actions of the police.\n\n'
            '"We will not accept this," the mayor said.\n\n'
            '"This paragraph has no cue, so it keeps the speaker of the one before."')
    quotes = annotate_text(body).quotes
    assert [q.speaker for q in quotes] == ["Sadiq Khan", "Sadiq Khan"]
    alone = annotate_text('"Nobody knows who wrote this line, and nothing here says so."\n\n'
                          'The council met on Tuesday.').quotes
    assert [q.speaker for q in alone] == [None]


def test_organisation_and_according_to():
    body = ('Scotland Yard said officers had acted "proportionately" during the evening.\n\n'
            'According to the BBC, the vigil was attended by hundreds of people.')
    quotes = annotate_text(body).quotes
    partial = next(q for q in quotes if q.kind == "partial")
    assert partial.speaker == "Scotland Yard"
    according = next(q for q in quotes if q.cue and q.cue.text == "According")
    assert according.kind == "indirect" and according.speaker == "BBC"
    assert according.text.startswith("the vigil was attended")


@pytest.mark.parametrize("pronoun,expected", [("He", "Ed Davey"), ("She", "Cressida Dick")])
def test_pronoun_agrees_with_honorific(pronoun, expected):
    body = ("Sir Ed Davey has written to Dame Cressida Dick about the vigil.\n\n"
            f'{pronoun} said the response was "a failure".')
    quote = next(q for q in annotate_text(body).quotes if q.kind == "partial")
    assert quote.speaker == expected


# -- sources beyond a named subject ---------------------------------------------------------


def _direct(body):
    return [(q.speaker, q.text) for q in annotate_text(body).quotes if q.kind != "indirect"]


def test_documents_and_bodies_are_sources_as_written():
    body = ('The state party announced on Thursday that she would not attend.\n\n'
            '"The campaign has informed the party that she will not be attending," the release said.\n\n'
            '"Ultimately, the plaintiff was the only one to be reprimanded," the lawsuit says.')
    assert [s for s, _ in _direct(body)] == ["the release", "the lawsuit"]


def test_a_description_keeps_its_words():
    body = ('"But was it criminal wrongdoing?" asked a former senior law enforcement official.')
    speakers = [s for s, _ in _direct(body)]
    assert speakers == ["a former senior law enforcement official"]


def test_a_share_of_a_poll_is_not_a_speaker():
    body = ('In the poll, 48 percent said the country was on the "wrong track" this year.')
    assert all(s is None for s, _ in _direct(body))


def test_a_cue_in_another_paragraph_is_not_the_quotes():
    body = ('"Guns have no place in our neighborhoods," said Adrian Mapp, a delegate. "It is time '
            'for comprehensive gun reform\n'
            'Martha Allen, a delegate from Vermont, criticized her state\'s lax gun laws.')
    quotes = _direct(body)
    assert [s for s, _ in quotes] == ["Adrian Mapp", "Adrian Mapp"]


def test_a_name_before_a_colon_opens_the_quote():
    body = ('The timing of the surge does not surprise Republican pollster Daron Shaw: '
            '"Historically, lesser-known candidates have seen the biggest boost."')
    assert [s for s, _ in _direct(body)] == ["Daron Shaw"]


def test_any_verb_right_after_a_quote_is_its_cue():
    body = ('"Imagine him going up against both of them on the same stage," mused radio host '
            'Stu Burguiere on Friday.')
    assert [s for s, _ in _direct(body)] == ["Stu Burguiere"]


def test_a_round_up_signature_names_the_pundit_not_the_paper():
    body = ('The week in review.\n\n'
            '"The convention did what it had to do, and no more." — Gerald F. Seib, The Wall Street Journal\n\n'
            'More tomorrow.')
    assert [s for s, _ in _direct(body)] == ["Gerald F. Seib"]


def test_a_dateline_is_not_the_speaker():
    body = ('Trump says he is unlikely to get on with Cameron.\n\n'
            'LONDON (Reuters) - Donald Trump said he was unlikely to have a good relationship with '
            'David Cameron, who called him "divisive, stupid and wrong" in parliament.')
    speakers = {q.speaker for q in annotate_text(body).quotes}
    assert "LONDON" not in speakers


def test_a_colon_after_any_verb_opens_the_quote():
    body = ('Bernie Sanders delivered a snappy retort: "No one is tearing this up. We are going '
            'to go forward."')
    assert [s for s, _ in _direct(body)] == ["Bernie Sanders"]


def test_a_short_speech_sentence_introduces_the_next_quote():
    body = ('Political scientist Dianne Bystrom agreed. "Mainstream Republicans are running out '
            'of time to find an alternative."')
    assert [s for s, _ in _direct(body)] == ["Dianne Bystrom"]

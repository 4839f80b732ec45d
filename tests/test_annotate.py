import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.annotate import annotate_articles, annotate_batch, annotate_list
from storyline.engine import LocalEngine
from storyline.records import Article, annotation_from_dict

from .conftest import nlp_model


NEWSY = st.lists(st.sampled_from(
    list("abcdefghij ABCDE \n.,:;'\"“”‘’—-()0123456789") + ["said", " Mr ", " she ", "Monday",
                                                           " 3 March ", "London", "Khan", "\n\n"]),
    max_size=120).map("".join)


def _spans_sound(body, annotation):
    spans = list(annotation.sentences)
    for e in annotation.entities:
        spans.extend(e.mentions)
    for q in annotation.quotes:
        spans.append(q.span)
        spans.extend(s for s in (q.cue, q.speaker_span) if s is not None)
        assert q.text == q.span.text
        assert q.speaker is None or q.speaker.lower() not in ("he", "she", "they", "i")
    for ev in annotation.events:
        spans.extend((ev.span, ev.expression_span))
    for span in spans:
        assert 0 <= span.start <= span.end <= len(body)
        assert body[span.start:span.end] == span.text


@given(st.lists(NEWSY, min_size=1, max_size=4))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_annotator_never_crashes_and_spans_hold(bodies):
    articles = [Article(id=f"a{i}", revision=1, outlet=None, title=None, url=None,
                        published="2021-03-14", body=body) for i, body in enumerate(bodies)]
    annotations = annotate_batch(articles, nlp_model())
    assert [a.article_id for a in annotations] == [a.id for a in articles]  # one each, in order
    for body, annotation in zip(bodies, annotations):
        _spans_sound(body, annotation)


def test_seed_pair_spans_and_round_trip(seed_annotations, seed_records):
    for record in seed_records:
        annotation = seed_annotations[record["id"]]
        _spans_sound(record["text"], annotation)
        stored = json.loads(json.dumps(annotation.to_dict()))
        assert annotation_from_dict(stored, record["text"]) == annotation


def test_seed_pair_dates(seed_annotations):
    events = [(e.date, e.text) for a in seed_annotations.values() for e in a.events]
    def dated(words):
        return {d for d, text in events if words in " ".join(text.split())}
    assert dated("went missing") == {"2021-03-03"}
    assert dated("Her body was found") == {"2021-03-10"}
    assert "2021-03-13" in dated("People gathered in Clapham Common on Saturday")
    assert dated("In 2001") == {"2001"}


def test_parallel_annotation_is_the_same(seed_records):
    articles = [Article(id=f"{r['id']}-{n}", revision=1, outlet=None, title=None, url=None,
                        published=r["published"], body=r["text"])
                for n in range(9) for r in seed_records]
    one = list(annotate_articles(articles, jobs=1))
    with LocalEngine(2) as engine:
        two = annotate_list(engine, articles, batch_size=4)
    assert [a.to_dict() for a in one] == [a.to_dict() for a in two]
    assert [a.article_id for a in two] == [a.id for a in articles]


@given(st.text(max_size=200))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_annotator_takes_any_string(body):
    article = Article(id="x", revision=1, outlet=None, title=None, url=None, published=None,
                      body=body)
    _spans_sound(body, annotate_batch([article], nlp_model())[0])

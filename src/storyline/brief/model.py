"""What a brief is: its parts, the settings that make it, the sources it cites, and
their JSON (``brief.schema.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..records import Annotation, Article, Quote
from ..spans import Span

SCHEMA_VERSION = 1
# bump when a change to this package changes briefs: cached briefs are rebuilt
BRIEF_VERSION = 3


@dataclass(frozen=True)
class BriefSettings:
    """How a brief is made; every number a setting with a default, none per data set.

    ``sentences`` fixes the summary length; by default it is ``base_sentences`` plus one for
    each doubling of the story's sources, at most ``max_sentences``. A sentence is scored by
    centrality (cosine to the story's centroid), by the share of other outlets that say the
    same, by its rank among its article's sentences (news puts the event first), by its
    density (share of content words: a headline-like sentence wastes few words), against a
    quotation mark (quotes are in "who said what") and by its brevity (a brief is short);
    MMR then trades score against similarity to what is already chosen (``diversity``), and
    a sentence that says the same as one already chosen is never added. The weights are the
    ones ``bench/tune_summary.py`` chooses on all of the GVC and ECB+ dev splits (keeping
    at least 0.8 of the corroborated share the weights before had), and it reports them
    cross-validated over ECB+ topics and GVC incidents. Summary and facts read the first
    ``max_sources`` sources (in publication order), so a brief of a huge story stays quick;
    quotes, entities and the timeline read them all.
    """

    sentences: int | None = None
    base_sentences: int = 3
    max_sentences: int = 8
    same_similarity: float = 0.5
    detail_similarity: float = 0.3
    shared_details: int = 3
    conflict_similarity: float = 0.6
    centrality_weight: float = 2.0
    support_weight: float = 0.5
    position_weight: float = 1.0
    length_weight: float = 1.0
    diversity: float = 0.5
    quote_weight: float = 0.25
    density_weight: float = 1.0
    min_words: int = 6
    max_words: int = 80
    max_single_source_facts: int = 20
    max_sources: int = 60
    #: facts: a pair of claims corroborates when the logistic model over
    #: ``facts.PAIR_FEATURES`` (weights fitted by cross-validation over ECB+ topics,
    #: ``bench/facts_fit.py``) gives at least ``fact_threshold``; without ``fact_model``,
    #: the rule before it (``same_similarity``, or ``detail_similarity`` and details)
    fact_model: bool = True
    fact_candidate_similarity: float = 0.15
    fact_threshold: float = 0.86
    fact_bias: float = -1.218
    fact_weights: tuple[float, ...] = (8.0649, 0.0, -0.4842, 0.9943, 1.6685, 0.0, 0.0,
                                       1.5905, 0.341, 0.2866, 0.6416, -0.1573)
    fact_link_share: float = 1.0
    #: timeline: an event whose date ends more than this many days before the story's
    #: first publication (its earliest source's) is background, listed apart; None: none is
    background_days: int | None = 30


@dataclass
class BriefSource:
    """One distinct article of a story, with the near-duplicate copies folded under it."""

    article: Article
    annotation: Annotation | None
    copies: list[tuple[Article, Annotation | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return source_label(self.article)

    @property
    def outlet_key(self) -> str:
        """Who published it: two sources count as two outlets only if these differ."""
        article = self.article
        if article.outlet:
            return "outlet:" + article.outlet.strip().casefold()
        host = _host(article.url)
        return "host:" + host if host else "article:" + article.id


def _host(url: str | None) -> str | None:
    """The web site of a url, without ``www.``."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def source_label(article: Article) -> str:
    """A source's name for readers: its outlet, else its web site, else its title or id."""
    return article.outlet or _host(article.url) or article.title or article.id


@dataclass
class SummarySentence:
    span: Span
    support: list[Span]
    date: str | None = None


@dataclass
class BriefQuote:
    quote: Quote
    speaker: str | None
    speaker_entity: str | None
    also_in: list[Span] = field(default_factory=list)


@dataclass
class BriefEntity:
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: list[Span]
    articles: int


@dataclass
class TimelineEntry:
    date: str
    expression: str
    span: Span
    also_in: list[Span] = field(default_factory=list)


@dataclass
class Fact:
    status: str
    citation: Span
    evidence: list[Span]
    outlets: list[str]
    disagreement: list[str] = field(default_factory=list)


@dataclass
class Brief:
    """A story's brief; :meth:`to_dict` is the JSON of ``brief.schema.json``."""

    story_id: str
    title: str
    sources: list[BriefSource]
    summary: list[SummarySentence]
    quotes: list[BriefQuote]
    entities: list[BriefEntity]
    timeline: list[TimelineEntry]
    facts: list[Fact]
    #: dated events long before the story (``BriefSettings.background_days``), timeline-shaped
    background: list[TimelineEntry] = field(default_factory=list)

    @property
    def bodies(self) -> dict[str, str]:
        """Every cited article's body, by id, to cut the text of any span."""
        found = {}
        for source in self.sources:
            found[source.article.id] = source.article.body
            for copy, _ in source.copies:
                found[copy.id] = copy.body
        return found

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "story_id": self.story_id,
            "title": self.title,
            "sources": [{
                "article_id": s.article.id, "outlet": s.article.outlet,
                "title": s.article.title, "url": s.article.url,
                "published": s.article.published,
                "duplicates": [copy.id for copy, _ in s.copies], "label": s.label,
            } for s in self.sources],
            "summary": [{
                "text": s.span.text, "citation": s.span.to_dict(),
                "support": [span.article_id for span in s.support],
                "support_spans": [span.to_dict() for span in s.support], "date": s.date,
            } for s in self.summary],
            "quotes": [{
                "text": q.quote.text, "speaker": q.speaker, "speaker_entity": q.speaker_entity,
                "kind": q.quote.kind, "span": q.quote.span.to_dict(),
                "also_in": [span.to_dict() for span in q.also_in],
            } for q in self.quotes],
            "entities": [{
                "id": e.id, "name": e.name, "type": e.type, "aliases": e.aliases,
                "mentions": [m.to_dict() for m in e.mentions], "articles": e.articles,
            } for e in self.entities],
            "timeline": [_timeline_entry(t) for t in self.timeline],
            "background": [_timeline_entry(t) for t in self.background],
            "facts": [{
                "status": f.status, "text": f.citation.text, "citation": f.citation.to_dict(),
                "evidence": [span.to_dict() for span in f.evidence], "outlets": f.outlets,
                **({"disagreement": f.disagreement} if f.disagreement else {}),
            } for f in self.facts],
        }

    def to_markdown(self) -> str:
        from ..render import render_markdown

        return render_markdown(self.to_dict(), self.bodies)

    def to_html(self) -> str:
        from ..render import render_html

        return render_html(self.to_dict(), self.bodies, articles=self.articles())

    def articles(self) -> list[dict]:
        """Each source's article and its copies as the coverage picture draws them."""
        return [{"id": a.id, "outlet": source_label(a), "published": a.published,
                 "duplicate_of": None if a is s.article else s.article.id}
                for s in self.sources for a in [s.article, *(c for c, _ in s.copies)]]


def _timeline_entry(t: TimelineEntry) -> dict:
    return {"date": t.date, "expression": t.expression, "text": t.span.text,
            "span": t.span.to_dict(), "also_in": [span.to_dict() for span in t.also_in]}

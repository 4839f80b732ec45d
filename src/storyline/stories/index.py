"""Stories: each article joins the story it best matches, or starts one, as it arrives.

Grouping is online. An article is compared only with the stories an inverted index finds
for its heaviest words and names, among the stories still active (touched within
``active_days`` of the newest publication date seen, or among the ``min_active`` most
recently touched), so the cost of one article does not grow with the archive.

A story keeps running sums of its members' TF-IDF vectors (words of title and body, title
words alone, named entities), so comparing an article with a story is average-linkage
similarity at the cost of one sparse dot product per vector. Those similarities, whether
the names, places or years that dominate each side are missing from the other, and the
story's size are combined by a logistic model into the probability that the
article reports the story's event (:attr:`StorySettings.weights`, fitted on the dev splits
of ECB+ and the Gun Violence Corpus by ``bench/fit_story_weights.py``). An article joins the most probable
story above ``join_threshold``; a story that has grown close to another (probability above
``merge_threshold`` by the same model) absorbs it, and the merge is recorded so the old id
still resolves. A near-duplicate always joins its original's story.

A young story (at most ``split_members`` members) also keeps each member's own state, so
after it changes it can be looked at again: cut in the two halves least alike
(:mod:`~storyline.stories.split`), it is split when the same model says the halves are
apart (below ``merge_threshold``). That undoes the wrong early join out-of-order arrival
makes, when one event's first report joins its twin's story and the rest follow it.

Nothing here knows of storage: the index is given stories and document frequencies, and
reports what changed for its caller to keep.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..errors import InputError, Origin
from ..text import stop_words
from ..records import Annotation, Article
from .split import cut, likeness, likeness_matrix

_WORD = re.compile(r"\b\w\w+\b")
#: Entity types whose names tell events apart (numbers, dates and "OTHER" do not).
_NAMED = ("PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP")
_ENTITY = "@"  # prefix that keeps names apart from words in one vocabulary
#: Entity types that say where an event happened.
_PLACES = ("GPE", "LOC", "FAC")
#: How many numbers :func:`pair_features` gives.
FEATURES = 7


@dataclass(frozen=True)
class StorySettings:
    """How articles are grouped; every number a setting with a default, none per data set.

    After an article joins a story, the stories it was at least ``merge_probe`` likely to
    join are the ones checked for merging with it: stories converge through such articles.

    ``weights`` are the logistic model's coefficients for (text similarity, title
    similarity, entity similarity, dominant names conflict, log(story members), dominant
    places conflict, dominant years conflict) and its intercept, fitted by ``bench/fit_story_weights.py`` on the ECB+
    and GVC dev splits arriving in publication order and in six batches (its
    cross-validated figures are in the README).

    A story of at most ``split_members`` members keeps its members' states and, after each
    change, is split in two when the halves of its cut are apart by the merge model and
    each holds at least ``split_min_members`` members (0 never splits).
    """

    weights: tuple[float, ...] = (9.96, 4.98, 8.8, -1.66, -0.38, -1.22, -2.21, -3.87)
    join_threshold: float = 0.3
    merge_threshold: float = 0.5
    merge_probe: float = 0.05
    title_weight: int = 3
    active_days: int = 30
    min_active: int = 1000
    story_terms: int = 300
    index_terms: int = 30
    query_terms: int = 20
    max_candidates: int = 10
    salient_names: int = 3
    split_members: int = 25
    split_min_members: int = 5

    def __post_init__(self):
        if len(self.weights) != FEATURES + 1:
            raise InputError(Origin("StorySettings"), f"needs {FEATURES} coefficients and an "
                             f"intercept, not {len(self.weights)} numbers", field="weights")

    def fingerprint(self) -> str:
        return ",".join(f"{k}={v}" for k, v in sorted(self.__dict__.items()))


@dataclass
class StoryArticle:
    """What grouping needs of one article: its time, words and names."""

    id: str
    day: int | None
    terms: Counter
    title_terms: Counter
    names: Counter
    title: str | None = None
    duplicate_of: str | None = None
    places: Counter = field(default_factory=Counter)
    years: Counter = field(default_factory=Counter)


def words(text: str) -> list[str]:
    """Lower-cased words of two or more characters, without English stop words."""
    STOP_WORDS = stop_words()

    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def publication_day(published: str | None) -> int | None:
    """The proleptic ordinal of a publication date (``None`` when unknown or unreadable)."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def story_article(article: Article, annotation: Annotation | None,
                  settings: StorySettings | None = None) -> StoryArticle:
    """The grouping record of a stored article (names come from its annotation).

    A person's surname is counted beside the full name, so "DeGeneres" in one outlet meets
    "Ellen DeGeneres" in another. Places (GPE, LOC, FAC) are counted apart too, and so are
    the years the article's dates fall in (its publication year counted twice): an
    undated archive article still says when its event happened.
    """
    settings = settings or StorySettings()
    title_terms = Counter(words(article.title or ""))
    terms = Counter(words(article.body))
    for word, count in title_terms.items():
        terms[word] += count * settings.title_weight
    names: Counter = Counter()
    places: Counter = Counter()
    for entity in annotation.entities if annotation else ():
        if entity.type not in _NAMED:
            continue
        name = entity.key.split(":", 1)[1]
        if not name:
            continue
        names[_ENTITY + name] += len(entity.mentions)
        if entity.type in _PLACES:
            places[_ENTITY + name] += len(entity.mentions)
        if entity.type == "PERSON" and " " in name:
            names[_ENTITY + name.rsplit(" ", 1)[1]] += len(entity.mentions)
    years: Counter = Counter(e.date[:4] for e in annotation.events) if annotation else Counter()
    day = publication_day(article.published)
    if day is not None:
        years[article.published[:4]] += 2
    return StoryArticle(id=article.id, day=day, terms=terms,
                        title_terms=title_terms, names=names, title=article.title,
                        duplicate_of=article.duplicate_of, places=places, years=years)


def story_id(founding_article_id: str) -> str:
    """A story's id, derived from the article that started it: the same input in the same
    order gives the same ids."""
    return "s" + hashlib.sha256(founding_article_id.encode()).hexdigest()[:11]


class Vocabulary:
    """Document frequencies of words and names, for IDF weights that grow with the archive.

    ``lookup`` fetches counts for words not yet seen in this session (from the database);
    :attr:`added` holds what this session counted, for the caller to store.
    """

    def __init__(self, documents: int = 0,
                 lookup: Callable[[list[str]], Mapping[str, int]] | None = None):
        self.documents = documents
        self.counts: dict[str, int] = {}
        self.added: dict[str, int] = {}
        self._lookup = lookup

    def add(self, terms: Iterable[str]) -> None:
        """Count one more document holding each of ``terms`` (distinct)."""
        terms = list(terms)
        self.load(terms)
        self.documents += 1
        counts, added = self.counts, self.added
        for term in terms:
            counts[term] += 1
            added[term] = added.get(term, 0) + 1

    def load(self, terms: Iterable[str]) -> None:
        """Fetch the counts of these terms in one go (a batch's, before it is grouped)."""
        missing = [t for t in set(terms) if t not in self.counts]
        if not missing:
            return
        found = self._lookup(missing) if self._lookup else {}
        for term in missing:
            self.counts[term] = found.get(term, 0)

    def weigh(self, counts: Mapping[str, int]) -> dict[str, float]:
        """The unit-length TF-IDF vector (sublinear tf, smoothed idf) of term counts."""
        if not counts:
            return {}
        self.load(counts)
        n = self.documents + 1
        vector = {t: (1.0 + math.log(c)) * (math.log(n / (1 + self.counts[t])) + 1.0)
                  for t, c in counts.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}


@dataclass
class Vectors:
    """An article's weighted vectors (or a story's sums of them)."""

    text: dict[str, float]
    title: dict[str, float]
    names: dict[str, float]


def article_vectors(article: StoryArticle, vocabulary: Vocabulary) -> Vectors:
    return Vectors(vocabulary.weigh(article.terms), vocabulary.weigh(article.title_terms),
                   vocabulary.weigh(article.names))


@dataclass
class Story:
    """A story's running state: what grouping compares new articles with."""

    id: str
    members: int = 0
    articles: int = 0
    text: dict[str, float] = field(default_factory=dict)
    title: dict[str, float] = field(default_factory=dict)
    names: dict[str, float] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)
    first_day: int | None = None
    last_day: int | None = None
    touched_day: int | None = None
    touched: int = 0
    created: int = 0
    headline_article: str | None = None
    headline_vector: dict[str, float] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)
    years: dict[str, int] = field(default_factory=dict)
    #: each member's own state while the story is young (None once past ``split_members``)
    parts: list[Story] | None = None
    #: near-duplicates attached to this member (in a member's state)
    duplicates: list[str] = field(default_factory=list)
    _salient: list[str] | None = field(default=None, repr=False, compare=False)
    _dominant: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    def to_state(self) -> dict:
        state = {"members": self.members, "articles": self.articles, "text": self.text,
                 "title": self.title, "names": self.names, "mentions": self.mentions,
                 "first_day": self.first_day, "last_day": self.last_day,
                 "touched_day": self.touched_day, "touched": self.touched,
                 "created": self.created, "headline_article": self.headline_article,
                 "headline_vector": self.headline_vector, "places": self.places,
                 "years": self.years}
        if self.parts is not None:  # a member's headline vector is its text vector
            state["parts"] = [{"id": p.id, **{k: v for k, v in p.to_state().items()
                                              if k != "headline_vector"}} for p in self.parts]
        if self.duplicates:
            state["duplicates"] = self.duplicates
        return state

    @classmethod
    def from_state(cls, id: str, state: Mapping) -> Story:
        """A story from :meth:`to_state` (one stored before members were kept has none)."""
        state = dict(state)
        parts = state.pop("parts", None)
        if parts is not None:
            parts = [cls.from_state(p["id"], {"headline_vector": p["text"],
                                              **{k: v for k, v in p.items() if k != "id"}})
                     for p in parts]
        return cls(id=id, parts=parts, **state)

    def article_ids(self) -> list[str]:
        """The articles of a member's state: its own and its near-duplicates'."""
        return [self.id, *self.duplicates]

    def salient(self, count: int) -> list[str]:
        """The ``count`` most mentioned names (kept until the mentions change)."""
        if self._salient is None or len(self._salient) != min(count, len(self.mentions)):
            self._salient = _most_common(self.mentions, count)
        return self._salient

    def dominant(self, kind: str, count: int) -> list[str]:
        """The ``count`` most counted ``places`` or ``years`` (kept until they change)."""
        found = self._dominant.get(kind)
        if found is None:
            found = self._dominant[kind] = _most_common(getattr(self, kind), count)
        return found

    def centrality(self, vector: Mapping[str, float]) -> float:
        return _dot(vector, self.text) / self.members if self.members else 0.0


@dataclass
class Assignment:
    """Where one article went: ``probability`` is None for a new story or a duplicate;
    ``merged`` lists the stories folded into ``story_id`` on the way; ``split`` maps each
    story cut out of a story on the way to the id of the story it was cut from (which
    kept the older half)."""

    article_id: str
    story_id: str
    probability: float | None
    created: bool = False
    merged: list[str] = field(default_factory=list)
    split: dict[str, str] = field(default_factory=dict)


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Summed exactly rounded (``fsum``), so the last bits, which break ties between
    equally central headlines, do not follow the set's order, that is the hash seed."""
    return math.fsum([a[k] * b[k] for k in a.keys() & b.keys()])


def _most_common(counts: Mapping[str, float], n: int) -> list[str]:
    """The ``n`` heaviest keys; ties keep the mapping's order, which the same input in the
    same order reproduces (and JSON keeps)."""
    return sorted(counts, key=counts.__getitem__, reverse=True)[:n]


def _conflict(a_names: list[str], a_all: Mapping, b_names: list[str], b_all: Mapping) -> float:
    """1.0 when each side's dominant names are all missing from the other: two hosts of
    the Oscars, two boxers fighting the same champion."""
    if not a_names or not b_names:
        return 0.0
    if any(n in b_all for n in a_names) or any(n in a_all for n in b_names):
        return 0.0
    return 1.0


def salient_names(mentions: Mapping[str, int], settings: StorySettings) -> list[str]:
    """An article's dominant names: its most mentioned, if mentioned more than once."""
    return [k for k in _most_common(mentions, settings.salient_names) if mentions[k] >= 2]


def pair_features(vectors: Vectors, mentions: Mapping[str, int], story: Story,
                  settings: StorySettings,
                  salient: list[str] | None = None,
                  places: Mapping[str, int] | None = None,
                  years: Mapping[str, int] | None = None) -> list[float]:
    """The model's inputs for one article (given as its vectors, the mention counts of its
    names, places and years, and, precomputed or not, its :func:`salient_names`) against
    one story. Days apart are not among them: fitted, their weight came out near zero or
    rising with the gap, as the years the texts give already tell events apart."""
    n, k = story.members, settings.salient_names
    if salient is None:
        salient = salient_names(mentions, settings)
    return [
        _dot(vectors.text, story.text) / n,
        _dot(vectors.title, story.title) / n,
        _dot(vectors.names, story.names) / n,
        _conflict(salient, mentions, story.salient(k), story.mentions),
        math.log(n),
        _conflict(_most_common(places or {}, k), mentions, story.dominant("places", k),
                  story.mentions),
        _conflict(_most_common(years or {}, k), years or {}, story.dominant("years", k),
                  story.years),
    ]


def story_pair_features(a: Story, b: Story, settings: StorySettings) -> list[float]:
    """The same inputs for two stories (average linkage over their members)."""
    n = a.members * b.members
    k = settings.salient_names
    return [
        _dot(a.text, b.text) / n,
        _dot(a.title, b.title) / n,
        _dot(a.names, b.names) / n,
        _conflict(a.salient(k), a.mentions, b.salient(k), b.mentions),
        math.log(max(a.members, b.members)),
        _conflict(a.dominant("places", k), a.mentions, b.dominant("places", k), b.mentions),
        _conflict(a.dominant("years", k), a.years, b.dominant("years", k), b.years),
    ]


def probability(features: list[float], settings: StorySettings) -> float:
    *coefficients, intercept = settings.weights
    z = intercept + sum(w * x for w, x in zip(coefficients, features))
    return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def _add(total: dict[str, float], vector: Mapping[str, float], keep: int) -> dict[str, float]:
    """``total + vector``, cut back to the ``keep`` heaviest entries whenever it has grown
    a quarter past that (so the cut costs little, averaged over many additions)."""
    for k, v in vector.items():
        total[k] = total.get(k, 0.0) + v
    if len(total) > keep + keep // 4:
        total = {k: total[k] for k in _most_common(total, keep)}
    return total


class StoryIndex:
    """The active stories and an inverted index over their heaviest words and names.

    :meth:`assign_story` places one article; :attr:`changed` and :attr:`removed` say which
    stories to store and drop, and :attr:`vocabulary` what document counts were added.
    ``taken`` says whether a story id was ever used (merged ids included), so that a story
    cut out of another never takes the id of one merged away before this index was loaded.
    """

    def __init__(self, settings: StorySettings, vocabulary: Vocabulary,
                 stories: Iterable[Story] = (), clock: int | None = None, touches: int = 0,
                 taken: Callable[[str], bool] | None = None):
        self.settings = settings
        self.taken = taken
        self.vocabulary = vocabulary
        self.clock = clock
        self.touches = touches
        self.stories: dict[str, Story] = {}
        self.postings: dict[str, set[str]] = {}
        self._indexed: dict[str, list[str]] = {}
        self.article_story: dict[str, str] = {}
        self.changed: set[str] = set()
        self.removed: dict[str, str] = {}
        self._alike: dict[tuple[str, str], float] = {}
        for story in stories:
            self.admit(story)

    # -- the index --------------------------------------------------------------------

    def _keys(self, story: Story) -> list[str]:
        s = self.settings
        return _most_common(story.text, s.index_terms) + _most_common(story.names, s.index_terms // 2)

    def admit(self, story: Story) -> None:
        """Make a stored story active (again)."""
        self.stories[story.id] = story
        self._reindex(story)

    def _reindex(self, story: Story) -> None:
        self._unindex(story.id)
        keys = self._keys(story)
        for key in keys:
            self.postings.setdefault(key, set()).add(story.id)
        self._indexed[story.id] = keys

    def _unindex(self, story_id: str) -> None:
        for key in self._indexed.pop(story_id, ()):
            posting = self.postings.get(key)
            if posting is not None:
                posting.discard(story_id)
                if not posting:
                    del self.postings[key]

    def _drop(self, story_id: str) -> None:
        self._unindex(story_id)
        self.stories.pop(story_id, None)

    def query(self, vectors: Vectors) -> dict[str, float]:
        """What an article (or a story) looks candidates up by: its heaviest words and
        names, with their weights."""
        s = self.settings
        found = {k: vectors.text[k] for k in _most_common(vectors.text, s.query_terms)}
        found.update({k: vectors.names[k] for k in _most_common(vectors.names, s.query_terms // 2)})
        return found

    def candidates(self, query: Mapping[str, float], exclude: str | None = None) -> list[Story]:
        """Active stories sharing any query key, ranked by the summed weight of the keys they
        share (at most ``max_candidates``), ties by id so the result never depends on set
        order."""
        hits: dict[str, float] = {}
        postings = self.postings
        for key, weight in query.items():
            for sid in postings.get(key, ()):
                hits[sid] = hits.get(sid, 0.0) + weight
        hits.pop(exclude, None)
        best = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:self.settings.max_candidates]
        return [self.stories[sid] for sid, _ in best]

    def retire(self) -> list[str]:
        """Drop from memory the stories no longer active; returns their ids."""
        s = self.settings
        if len(self.stories) <= s.min_active or self.clock is None:
            return []
        recent = heapq.nlargest(s.min_active, self.stories.values(), key=lambda st: st.touched)
        keep = {st.id for st in recent}
        old = [sid for sid, st in self.stories.items() if sid not in keep
               and (st.touched_day is None or st.touched_day < self.clock - s.active_days)]
        for sid in old:
            self._drop(sid)
        if old:
            self.article_story = {a: sid for a, sid in self.article_story.items()
                                  if self.resolve(sid) in self.stories}
        return old

    # -- assignment -------------------------------------------------------------------

    def assign_story(self, article: StoryArticle, *,
                     duplicate_story: str | None = None) -> Assignment:
        """Place one article: with its original's story when it is a near-duplicate
        (``duplicate_story``), else in the most probable active story, else a new one."""
        s = self.settings
        if article.day is not None and (self.clock is None or article.day > self.clock):
            self.clock = article.day
        self.touches += 1
        if duplicate_story is None and article.duplicate_of:
            duplicate_story = self.article_story.get(article.duplicate_of)
        if duplicate_story is not None:
            duplicate_story = self.resolve(duplicate_story)
        if duplicate_story is not None and duplicate_story in self.stories:
            story = self.stories[duplicate_story]
            story.articles += 1
            if story.parts:
                part = next((p for p in story.parts if article.duplicate_of in p.article_ids()),
                            story.parts[0])
                part.articles += 1
                part.duplicates.append(article.id)
            self._touch(story, article.day)
            self.article_story[article.id] = story.id
            return Assignment(article.id, story.id, None)

        self.vocabulary.add(set(article.terms) | set(article.names))
        vectors = article_vectors(article, self.vocabulary)
        best, best_p = None, s.join_threshold
        near: list[Story] = []
        salient = salient_names(article.names, s)
        for story in self.candidates(self.query(vectors)):
            p = probability(pair_features(vectors, article.names, story, s, salient,
                                          article.places, article.years), s)
            if p >= s.merge_probe:
                near.append(story)
            if p > best_p:
                best, best_p = story, p
        joined = best is not None
        if best is None:
            best = self._new_story(article.id)
        self._join(best, article, vectors)
        story, merged = self._merge_into(best, [n for n in near if n is not best])
        split = self._split(story)
        sid = self.resolve(self.article_story[article.id])
        return Assignment(article.id, sid, best_p if joined else None,
                          created=not joined and sid == best.id, merged=merged, split=split)

    def _fresh_id(self, article_id: str, ask: bool = False) -> str:
        sid = story_id(article_id)
        while (sid in self.stories or sid in self.removed
               or (ask and self.taken is not None and self.taken(sid))):
            sid = story_id(sid)
        return sid

    def _new_story(self, article_id: str) -> Story:
        sid = self._fresh_id(article_id)
        story = Story(id=sid, created=self.touches, parts=[])
        self.stories[sid] = story
        return story

    def _touch(self, story: Story, day: int | None) -> None:
        story.touched = self.touches
        story.touched_day = self.clock if day is None else max(day, story.touched_day or day)
        self.changed.add(story.id)

    def _join(self, story: Story, article: StoryArticle, vectors: Vectors) -> None:
        part = Story(id=article.id, members=1, articles=1, text=vectors.text,
                     title=vectors.title, names=vectors.names, mentions=article.names,
                     first_day=article.day, last_day=article.day, headline_article=article.id,
                     headline_vector=vectors.text, places=article.places, years=article.years,
                     created=self.touches)
        self._fold(story, part)
        if story.parts is not None:
            story.parts = story.parts + [part] if story.members <= self.settings.split_members \
                else None
        self.article_story[article.id] = story.id
        self._touch(story, article.day)
        self._reindex(story)

    def _fold(self, story: Story, other: Story) -> None:
        """Add ``other``'s articles, sums, dates and headline candidate to ``story``."""
        s = self.settings
        story.members += other.members
        story.articles += other.articles
        story.text = _add(story.text, other.text, s.story_terms)
        story.title = _add(story.title, other.title, s.story_terms)
        story.names = _add(story.names, other.names, s.story_terms)
        story.mentions = _add(dict(story.mentions), other.mentions, s.story_terms)
        story.places = _add(dict(story.places), other.places, s.story_terms)
        story.years = _add(dict(story.years), other.years, s.story_terms)
        story._salient = None
        story._dominant = {}
        days = [d for d in (story.first_day, story.last_day, other.first_day, other.last_day)
                if d is not None]
        if days:
            story.first_day, story.last_day = min(days), max(days)
        # a tie within float noise (two articles are always equally central to their sum)
        # keeps the earlier headline
        if (story.headline_article is None
                or story.centrality(other.headline_vector)
                > story.centrality(story.headline_vector) * (1 + 1e-9) + 1e-12):
            story.headline_article = other.headline_article
            story.headline_vector = other.headline_vector

    def _merge_into(self, story: Story, near: list[Story]) -> tuple[Story, list[str]]:
        """Merge the grown ``story`` with each of the ``near`` stories it now matches; the
        older story of each pair absorbs the newer, so established ids stay. Returns the
        surviving story and the ids absorbed."""
        s = self.settings
        merged: list[str] = []
        while near:
            best, best_p = None, s.merge_threshold
            for other in near:
                p = probability(story_pair_features(story, other, s), s)
                if p > best_p:
                    best, best_p = other, p
            if best is None:
                break
            survivor, absorbed = ((best, story) if (best.created, best.id) < (story.created, story.id)
                                  else (story, best))
            self._absorb(survivor, absorbed)
            merged.append(absorbed.id)
            story = survivor
            near = [n for n in near if n is not best]
        return story, merged

    def _absorb(self, story: Story, other: Story) -> None:
        self._fold(story, other)
        if (story.parts is None or other.parts is None
                or story.members > self.settings.split_members):
            story.parts = None
        else:
            story.parts = sorted(story.parts + other.parts, key=lambda p: (p.created, p.id))
        touched = [d for d in (story.touched_day, other.touched_day) if d is not None]
        story.touched_day = max(touched) if touched else None
        self._drop(other.id)
        self.changed.discard(other.id)
        for old, new in self.removed.items():
            if new == other.id:
                self.removed[old] = story.id
        self.removed[other.id] = story.id
        self._reindex(story)
        self.changed.add(story.id)

    # -- the second look ----------------------------------------------------------------

    def _likeness(self, a: Story, b: Story) -> float:
        """:func:`~storyline.stories.split.likeness` of two members, kept (a member's vectors
        never change) until many pairs are kept."""
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        found = self._alike.get(key)
        if found is None:
            if len(self._alike) > 50_000:
                self._alike = {}
            found = self._alike[key] = likeness(a, b, self.settings.weights)
        return found

    def _folded(self, sid: str, parts: list[Story]) -> Story:
        """A story of these members' states, summed as joining them one by one sums them."""
        story = Story(id=sid, parts=list(parts))
        for part in parts:
            self._fold(story, part)
        return story

    def _split(self, story: Story) -> dict[str, str]:
        """Cut a young story in two when its halves are apart by the merge model; the half
        with its oldest member keeps its id. Returns {new story id: kept id}."""
        s, parts = self.settings, story.parts
        if not parts or s.split_min_members <= 0 or len(parts) < 2 * s.split_min_members:
            return {}
        halves = cut(likeness_matrix(parts, self._likeness))
        if halves is None or min(len(h) for h in halves) < s.split_min_members:
            return {}
        # parts are in joining order, so the first half (the one with parts[0]) has the founder
        kept, rest = ([parts[i] for i in h] for h in halves)
        old, new = self._folded(story.id, kept), self._folded("", rest)
        if probability(story_pair_features(old, new, s), s) >= s.merge_threshold:
            return {}
        new.id = self._fresh_id(rest[0].id, ask=True)  # its founder may have founded one before
        old.created, new.created = story.created, rest[0].created
        old.touched, new.touched = story.touched, self.touches
        old.touched_day = new.touched_day = story.touched_day
        for half in (old, new):
            self.stories[half.id] = half
            self._reindex(half)
            self.changed.add(half.id)
        for part in rest:
            for aid in part.article_ids():
                self.article_story[aid] = new.id
        return {new.id: old.id}

    def resolve(self, sid: str) -> str:
        """The id a story goes by now (a merged story's id leads to the one that absorbed it)."""
        return self.removed.get(sid, sid)


def order_key(published: str | None, seq: int) -> tuple:
    """The order articles are grouped in: by publication time, undated ones after the dated,
    ingest order breaking ties."""
    return (published is None, published or "", seq)

"""The stories' writer step: :class:`StoryGrouper` keeps the pure
:class:`~storyline.stories.index.StoryIndex` in step with the store."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..records import Annotation, Article
from ..store import Store
from .index import Assignment, Story, StoryIndex, StorySettings, Vocabulary, order_key, story_article


class StoryGrouper:
    """Groups stored articles into stories, keeping the stories in the store.

    The shell around :class:`~storyline.stories.StoryIndex`: it loads the active stories
    once, groups each batch it is given (inside the caller's transaction) and writes back
    what changed, so a killed run leaves the stories as the last committed batch left them.
    """

    def __init__(self, store: Store, settings: StorySettings | None = None):
        self.store = store
        self.settings = settings or StorySettings()
        self.index: StoryIndex | None = None
        self._generation: str | None = None
        self._changed: set[str] = set()

    def _load(self) -> StoryIndex:
        store, settings = self.store, self.settings
        clock = store.meta("stories:clock")
        clock = int(clock) if clock else None
        vocabulary = Vocabulary(int(store.meta("stories:documents") or 0),
                                lookup=store.term_documents)
        since = clock - settings.active_days if clock is not None else None
        stories = [Story.from_state(sid, json.loads(state))
                   for sid, state in store.story_states(since_day=since, recent=settings.min_active)]
        self._generation = store.meta("stories:generation")
        return StoryIndex(settings, vocabulary, stories, clock=clock,
                          touches=int(store.meta("stories:touches") or 0),
                          taken=lambda sid: store.resolve_story(sid) is not None)

    def take_changed(self) -> set[str]:
        """Every story the batches grouped since the last call changed: those that gained
        articles, absorbed a story or lost articles to a split (which the articles grouped
        alone do not name); they may since have been merged away (resolve them)."""
        found, self._changed = self._changed, set()
        return found

    def _active_story_of(self, article_id: str) -> str | None:
        """The story an article is in now, made active if it had been retired."""
        index = self.index
        sid = index.article_story.get(article_id) or self.store.story_of(article_id)
        if sid is None:
            return None
        sid = index.resolve(sid)
        if sid not in index.stories:
            sid = self.store.resolve_story(sid)
            state = self.store.story_state(sid) if sid else None
            if state is None:
                return None
            index.admit(Story.from_state(sid, json.loads(state)))
        return sid

    #: Document counts held in memory past this many are dropped (and read again as needed).
    cached_terms = 500_000

    def group(self, pairs: Iterable[tuple[Article, Annotation]]) -> list[Assignment]:
        """Assign each (article, annotation) to a story, in publication order. If it fails,
        the caller's transaction rolls back, and so does this grouper (it reloads)."""
        try:
            return self._group(list(pairs))
        except BaseException:
            self.index = None
            raise

    def _group(self, pairs: list[tuple[Article, Annotation]]) -> list[Assignment]:
        store = self.store
        if self.index is None or store.meta("stories:generation") != self._generation:
            self.index = self._load()  # first batch, or another process grouped meanwhile
        index = self.index
        seqs = {article.id: n for n, (article, _) in enumerate(pairs)}
        ordered = sorted(pairs, key=lambda p: order_key(p[0].published, seqs[p[0].id]))
        grouped = store.grouped([article.id for article, _ in ordered])
        records = [story_article(article, annotation, self.settings)
                   for article, annotation in ordered if article.id not in grouped]
        index.vocabulary.load(term for r in records for term in (*r.terms, *r.names))
        assignments, rows = [], []
        for record in records:
            duplicate_story = None
            if record.duplicate_of:
                duplicate_story = self._active_story_of(record.duplicate_of)
            assignment = index.assign_story(record, duplicate_story=duplicate_story)
            for old in assignment.merged:
                store.merge_story(old, assignment.story_id)
            for new, kept in assignment.split.items():
                store.split_story(kept, new, [aid for part in index.stories[new].parts or ()
                                              for aid in part.article_ids()])
            rows.append((record.id, assignment.story_id, assignment.probability, index.touches))
            assignments.append(assignment)
        # an article grouped earlier in the batch may since have been merged or split away
        store.put_story_articles([(aid, index.resolve(index.article_story.get(aid, sid)), p, n)
                                  for aid, sid, p, n in rows])
        for sid in sorted(index.changed):
            if sid in index.stories:
                store.put_story(sid, index.stories[sid].to_state())
        self._changed |= {sid for sid in index.changed if sid in index.stories}
        index.changed.clear()
        store.add_term_documents(index.vocabulary.added)
        index.vocabulary.added = {}
        if len(index.vocabulary.counts) > self.cached_terms:
            index.vocabulary.counts = {}
        young = {sid: st for sid, st in index.stories.items() if st.parts is not None}
        for sid in index.retire():  # a retired story is not split again: keep no members
            if sid in young:
                young[sid].parts = None
                store.put_story(sid, young[sid].to_state())
        generation = str(int(self._generation or 0) + 1)
        for key, value in (("clock", index.clock), ("touches", index.touches),
                           ("documents", index.vocabulary.documents), ("generation", generation),
                           ("settings", self.settings.fingerprint())):
            if value is not None:
                store.set_meta(f"stories:{key}", str(value))
        self._generation = generation
        return assignments

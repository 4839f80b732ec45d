"""Stories: the pure online grouping (:mod:`~storyline.stories.index`) and the writer step
that keeps it in the store (:mod:`~storyline.stories.grouper`)."""

from .grouper import StoryGrouper
from .index import (Assignment, Story, StoryArticle, StoryIndex, StorySettings, Vectors,
                    Vocabulary, article_vectors, order_key, pair_features, probability,
                    publication_day, salient_names, story_article, story_id,
                    story_pair_features, words)

__all__ = ["Assignment", "Story", "StoryArticle", "StoryGrouper", "StoryIndex", "StorySettings",
           "Vectors", "Vocabulary", "article_vectors", "order_key", "pair_features",
           "probability", "publication_day", "salient_names", "story_article", "story_id",
           "story_pair_features", "words"]

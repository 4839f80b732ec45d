"""Word lists shared by grouping and briefs, kept apart from the spaCy runner so that
listing stories or building a brief never imports spaCy."""

from __future__ import annotations

import os
from functools import lru_cache

from .errors import ModelMissingError


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words, read from their module without importing spaCy itself
    (about half a second), so a brief or a story query starts quickly."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        raise ModelMissingError("spaCy is not installed: pip install storyline")
    path = os.path.join(os.path.dirname(spec.origin), "lang", "en", "stop_words.py")
    module_spec = importlib.util.spec_from_file_location("_storyline_stop_words", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)

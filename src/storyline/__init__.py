"""storyline: read the news from many outlets as stories whose every line cites a source."""

from .errors import InputError, NotFoundError, Origin, StoreError, StorylineError
from .library import Library
from .records import Article, IngestReport, RawArticle
from .spans import Span, make_span

__version__ = "0.1.0"

__all__ = [
    "Article",
    "IngestReport",
    "InputError",
    "Library",
    "NotFoundError",
    "Origin",
    "RawArticle",
    "Span",
    "StoreError",
    "StorylineError",
    "make_span",
    "__version__",
]

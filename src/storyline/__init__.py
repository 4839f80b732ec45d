"""storyline: read the news from many outlets as stories whose every line cites a source."""

from .brief import Brief, BriefSettings
from .errors import (InputError, LimitError, MissingDependencyError, ModelMissingError,
                     NotAnnotatedError, NotFoundError, Origin, QueryError, StoreError,
                     StorylineError)
from .library import Library
from .limits import Limits
from .pipeline import IngestSettings
from .records import Annotation, Article, DatedEvent, Entity, IngestReport, Quote, RawArticle
from .spans import Span, make_span
from .stories import StorySettings

__version__ = "0.1.0"

__all__ = [
    "Annotation",
    "Article",
    "Brief",
    "BriefSettings",
    "DatedEvent",
    "Entity",
    "IngestReport",
    "IngestSettings",
    "InputError",
    "Library",
    "LimitError",
    "Limits",
    "MissingDependencyError",
    "ModelMissingError",
    "NotAnnotatedError",
    "NotFoundError",
    "Origin",
    "QueryError",
    "Quote",
    "RawArticle",
    "Span",
    "StoreError",
    "StorySettings",
    "StorylineError",
    "make_span",
    "__version__",
]

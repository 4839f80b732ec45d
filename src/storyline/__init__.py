"""storyline: read the news from many outlets as stories whose every line cites a source."""

__version__ = "0.1.0"

from .brief import Brief, BriefSettings  # noqa: E402  (the version comes first: modules read it)
from .engine import Engine, Failure, LocalEngine, Stage  # noqa: E402
from .errors import (InputError, LimitError, MissingDependencyError, ModelMissingError,  # noqa: E402
                     NotAnnotatedError, NotFoundError, Origin, QueryError, StoreError,
                     StorylineError)
from .library import Library, StoryPage  # noqa: E402
from .limits import Limits  # noqa: E402
from .pipeline import IngestSettings  # noqa: E402
from .records import (Annotation, Article, DatedEvent, Entity, IngestReport, Quote,  # noqa: E402
                      RawArticle)
from .fetch import FetchSettings  # noqa: E402
from .results import (ArchiveCounts, ArticleDetail, Feed, Health, QuoteHit,  # noqa: E402
                      RoundReport, SearchHit, StoryDetail, StorySource, StorySummary)
from .spans import Span, make_span  # noqa: E402
from .stories import StorySettings  # noqa: E402
from .timing import Timings  # noqa: E402

__all__ = [
    "Annotation",
    "ArchiveCounts",
    "Article",
    "ArticleDetail",
    "Brief",
    "BriefSettings",
    "DatedEvent",
    "Engine",
    "Entity",
    "Failure",
    "Feed",
    "FetchSettings",
    "Health",
    "IngestReport",
    "IngestSettings",
    "InputError",
    "Library",
    "LimitError",
    "Limits",
    "LocalEngine",
    "MissingDependencyError",
    "ModelMissingError",
    "NotAnnotatedError",
    "NotFoundError",
    "Origin",
    "QueryError",
    "Quote",
    "QuoteHit",
    "RawArticle",
    "RoundReport",
    "SearchHit",
    "Span",
    "Stage",
    "StoreError",
    "StoryDetail",
    "StoryPage",
    "StorySettings",
    "StorySource",
    "StorySummary",
    "StorylineError",
    "Timings",
    "__version__",
    "make_span",
]

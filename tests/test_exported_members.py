"""The public surface, pinned as httpx pins its own: ``__all__`` is exactly what the package
exposes (its submodules aside), and every package's ``__all__`` names what it holds."""

import importlib
import pkgutil
from types import ModuleType

import pytest

import storyline


def test_all_is_the_public_members():
    public = {name for name, value in vars(storyline).items()
              if not name.startswith("_") and not isinstance(value, ModuleType)}
    assert sorted(storyline.__all__) == storyline.__all__
    assert set(storyline.__all__) == public | {"__version__"}


def test_public_surface_is_pinned():
    assert storyline.__all__ == [
        "Annotation", "ArchiveCounts", "Article", "ArticleDetail", "Brief", "BriefSettings",
        "DatedEvent", "Engine", "Entity", "Failure", "Feed", "FetchSettings", "Health",
        "IngestReport",
        "IngestSettings", "InputError", "Library", "LimitError", "Limits", "LocalEngine",
        "MissingDependencyError", "ModelMissingError", "NotAnnotatedError", "NotFoundError",
        "Origin", "QueryError", "Quote", "QuoteHit", "RawArticle", "RoundReport", "SearchHit",
        "Span",
        "Stage", "StoreError", "StoryDetail", "StoryPage", "StorySettings", "StorySource",
        "StorySummary", "StorylineError", "Timings", "__version__", "make_span",
    ]


PACKAGES = sorted(info.name for info in pkgutil.walk_packages(storyline.__path__, "storyline.")
                  if info.ispkg)


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_exports_what_it_holds(name):
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert [member for member in exported if not hasattr(package, member)] == []


def test_errors_share_one_root():
    for cls in (storyline.InputError, storyline.LimitError, storyline.NotFoundError,
                storyline.StoreError, storyline.NotAnnotatedError, storyline.ModelMissingError,
                storyline.MissingDependencyError, storyline.QueryError):
        assert issubclass(cls, storyline.StorylineError)

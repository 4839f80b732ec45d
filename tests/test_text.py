"""storyline.text: word lists shared by grouping and briefs."""


def test_stop_words_are_spacys_without_importing_spacy():
    import subprocess
    import sys

    code = ("import sys; from storyline.text import stop_words; words = stop_words(); "
            "assert 'spacy' not in sys.modules; assert stop_words() is words; "
            "print(len(words), 'the' in words, 'four' in words)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    from spacy.lang.en.stop_words import STOP_WORDS

    assert out.stdout.split() == [str(len(STOP_WORDS)), "True", "True"]

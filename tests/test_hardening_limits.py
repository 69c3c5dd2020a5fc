"""Issue 14, item 4: no input may hang or explode.

Each hostile input below hung, took minutes or crashed before the change. Calls whose old
code spins inside a C regex (which no alarm interrupts) run in a subprocess with a 20 s
limit, so a regression fails instead of hanging; the others run under pytest-timeout.
Every fixture is synthetic (runs of ``a``, ``[a](``, numbered "Phrase synthétique").
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import markup
from analysis.cli import main
from analysis.dictionary import DictionaryError, Glob, compile_pattern, dictionary, yaml_anchor
from analysis.runs import ParameterError, parse_cli_params

tokens_module = importlib.import_module("analysis.tokens")  # analysis.tokens is also a function

SUBPROCESS_SECONDS = 20
MANY_STARS = "a*a*a*a*a*a*a*a*a*a*a*b"  # 11 stars: a regex a.*a.*...b took 93 s per token


def _run_python(code: str) -> object:
    """Run ``code`` in a fresh interpreter; return the JSON it prints (fail past 20 s)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {SUBPROCESS_SECONDS} s (the input makes it hang)")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- a. Markdown links


def test_markdown_link_stripping_is_linear_on_unclosed_links():
    """``"[a]("`` x 50,000: no link ever closes, so (hand reasoning) nothing is removed."""
    out = _run_python(
        """
        import json
        from analysis.markup import _step_markdown
        text = "[a](" * 50000
        change = _step_markdown(text)
        print(json.dumps([change.text == text, change.detail]))
        """
    )
    assert out == [True, ""]


def test_markdown_brackets_and_headings_are_linear():
    """Two more quadratic shapes of the same step. By hand: in 50,000 ``[`` then ``](x)``
    the first ``[`` opens a link whose text is the other 49,999; a heading of 50,001 ``# ``
    then ``x`` has for title everything after the first ``# ``."""
    out = _run_python(
        """
        import json
        from analysis.markup import _step_markdown
        brackets = "[" * 50000 + "](x)"
        heading = "# " * 50001 + "x"
        print(json.dumps([_step_markdown(brackets).text, _step_markdown(heading).text]))
        """
    )
    assert out == ["[" * 49999, "\n" + "# " * 50000 + "x\n"]


def test_markdown_links_hand_checked():
    text = 'Voir [le texte](https://example.org "Titre") et [b](c).\n[d](e f)'
    assert markup._strip_links(text) == ("Voir le texte et b.\n[d](e f)", 2)
    change = markup._step_markdown(text)
    assert change.text == "Voir le texte et b.\n[d](e f)"
    assert change.detail == "removed markdown link×2"


_MARKDOWN_ALPHABET = [*'[]()a "\n\t#', "](", "[a](b)", ' "t")', "##", "  ", "\u2028", "\r", "\x85", "\u00a0"]
_OLD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)


@settings(max_examples=3000, deadline=None)
@given(parts=st.lists(st.sampled_from(_MARKDOWN_ALPHABET), max_size=16))
def test_links_and_headings_equal_the_regexes_they_replace(parts):
    """The oracles are the regexes the step used before (fine on short texts): the link
    rule (kept as ``_LINK_RULE``) and the lazy heading rule."""
    text = "".join(parts)
    assert markup._strip_links(text) == re.subn(markup._LINK_RULE, r"\1", text)
    (heading,) = [rx for name, rx, _ in markup._MD_RULES if name == "heading"]
    assert heading.subn(r"\n\1\n", text) == _OLD_HEADING.subn(r"\n\1\n", text)


# ----------------------------------------------------------------- b. globs


def test_glob_with_many_stars_is_linear_on_long_tokens():
    """By hand: ``a*...*b`` needs a final ``b``; eleven or more ``a`` then ``b`` match."""
    out = _run_python(
        f"""
        import json
        from analysis.dictionary import compile_pattern
        p = compile_pattern({MANY_STARS!r}, "fr")
        print(json.dumps([p.matches_part(0, "a" * 5000), p.matches_part(0, "a" * 5000 + "b"),
                          p.matches_part(0, "a" * 10 + "b"), p.matches_part(0, "a" * 11 + "b")]))
        """
    )
    assert out == [False, True, False, True]


def test_glob_lookup_kwic_and_stream_are_linear_on_long_tokens(tmp_path):
    """Every matching path: tokens_lookup, the kwic CLI, the streaming counter (fast and
    library engines). The text has one 5,000-``a`` token (no match: no ``b``) and one
    ``aaaaaaaaaaaab`` (12 ``a`` then ``b``: one match), counted by hand."""
    dic = tmp_path / "stars.yaml"
    dic.write_text(
        "name: stars\nversion: '0.1'\ndescription: Synthetic many-star glob.\nthemes:\n"
        f"  stars:\n    label: {{fr: Etoiles, en: Stars}}\n    description: A glob.\n"
        f"    fr: ['{MANY_STARS}']\n    en: ['{MANY_STARS}']\n",
        encoding="utf-8",
    )
    text_file = tmp_path / "long.txt"
    text_file.write_text("Texte synthétique\n\n" + "a" * 5000 + " aaaaaaaaaaaab fin.\n", encoding="utf-8")
    out = _run_python(
        f"""
        import io, json, contextlib
        from analysis.scale import count as scale_count
        from analysis.cli import main
        from analysis.dictionary import dictionary
        from analysis.lookup import tokens_lookup
        from analysis.tokens import tokens
        import pandas as pd
        text = {("a" * 5000 + " aaaaaaaaaaaab fin.")!r}
        frame = pd.DataFrame({{"doc_id": ["d"], "text": [text], "language": ["fr"]}})
        look = tokens_lookup(tokens(frame), dictionary({str(dic)!r}))
        lookup = int(look.counts.set_index("theme").loc["stars", "count"])
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = main(["kwic", {MANY_STARS!r}, {str(text_file)!r}])
        kwic_lines = [line for line in buf.getvalue().splitlines() if "aaaaaaaaaaaab" in line]
        docs = [{{"doc_id": "d", "text": text, "language": "fr"}}]
        fast = scale_count.process_chunk(docs, {str(dic)!r}, method="fast")["counts"]
        library = scale_count.process_chunk(docs, {str(dic)!r}, method="library")["counts"]
        print(json.dumps([lookup, rc, len(kwic_lines),
                          int(fast.set_index("theme").loc["stars", "count"]),
                          int(library.set_index("theme").loc["stars", "count"])]))
        """
    )
    assert out == [1, 0, 1, 1, 1]


@settings(max_examples=2000, deadline=None)
@given(
    part=st.text(alphabet="ab*", min_size=1, max_size=8).filter(lambda p: "*" in p),
    key=st.text(alphabet="ab", max_size=10),
)
def test_glob_equals_its_regex_definition(part, key):
    """The oracle is the regex compile_pattern built before (fine on short keys)."""
    regex = re.compile(".*".join(re.escape(piece) for piece in part.split("*")), re.DOTALL)
    assert Glob(part).fullmatch(key) == (regex.fullmatch(key) is not None)


def test_glob_hand_checked():
    assert compile_pattern("ukrain*", "fr").matches_part(0, "ukrainiens")
    mid = Glob("c*ur")
    assert mid.fullmatch("coeur") and mid.fullmatch("cur") and not mid.fullmatch("coeurs")
    assert not Glob("ab*ba").fullmatch("aba")  # head and tail may not overlap
    with pytest.raises(ValueError, match="no glob"):
        Glob("paix")


# ----------------------------------------------------------------- c. YAML aliases

# nine levels of nine aliases: 9**9 (387 million) strings from ten lines
_LAUGHS = "\n".join(
    ["  lol0: &l0 [lol]"] + [f"  lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
)
_DICTIONARY_BOMB = (
    "name: bomb\nversion: '0.1'\ndescription: Synthetic alias bomb.\nthemes:\n"
    "  peace:\n    label: {fr: Paix}\n    description: Peace.\n    fr: [paix]\n"
    "laughs:\n" + _LAUGHS + "\n"
)


@pytest.mark.timeout(20)
def test_dictionary_alias_bomb_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_DICTIONARY_BOMB, encoding="utf-8")
    with pytest.raises(DictionaryError) as err:
        dictionary(path)
    assert err.value.problems == [
        "bomb.yaml: line 10: YAML anchor '&l0' refused "
        "(anchors and aliases can expand a few lines into billions of nodes)"
    ]


@pytest.mark.timeout(20)
def test_dictionary_self_referencing_anchor_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(
        "name: loop\nversion: '0.1'\ndescription: Synthetic loop.\nthemes: &t\n"
        "  peace:\n    label: {fr: Paix}\n    description: Peace.\n    fr: [paix]\n    subthemes: *t\n",
        encoding="utf-8",
    )
    with pytest.raises(DictionaryError, match=r"loop\.yaml: line 4: YAML anchor '&t' refused"):
        dictionary(path)


@pytest.mark.timeout(20)
def test_count_with_a_bomb_dictionary_exits_2(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(_DICTIONARY_BOMB, encoding="utf-8")
    text = tmp_path / "paix.txt"
    text.write_text("Texte synthétique\n\nLa paix.\n", encoding="utf-8")
    assert main(["count", "--dictionary", str(path), str(text)]) == 2
    err = capsys.readouterr().err
    assert "bomb.yaml: line 10: YAML anchor '&l0' refused" in err


@pytest.mark.timeout(20)
def test_run_with_a_bomb_params_file_exits_2_before_any_kernel(tmp_path, capsys, monkeypatch):
    from analysis import runs

    def no_run(*args, **kwargs):  # pragma: no cover - reached only when the file is accepted
        raise AssertionError("a run started")

    monkeypatch.setattr(runs, "run_report", no_run)
    path = tmp_path / "bomb.yaml"
    path.write_text("min_count: 5\nlaughs:\n" + _LAUGHS + "\n", encoding="utf-8")
    assert main(["run", "-f", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"parameter file {path}: line 3: YAML anchor '&l0' refused" in err


@pytest.mark.timeout(20)
def test_params_self_referencing_anchor_and_alias_values_are_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("lang: fr\nloop: &x [*x]\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"loop\.yaml: line 2: YAML anchor '&x' refused"):
        parse_cli_params([], path)
    with pytest.raises(ParameterError, match=r"parameter 'ids': line 1: YAML anchor '&a' refused"):
        parse_cli_params(["ids=[&a [x, x], *a, *a]"])
    # text that only looks like an anchor stays what the user typed
    assert parse_cli_params(["title=R&D", "who=&Co"]) == {"title": "R&D", "who": "&Co"}


def test_yaml_anchor_names_anchor_or_alias_and_line():
    assert yaml_anchor("a: 1\nb: [x]\n") is None
    assert yaml_anchor("a: 1\nb: &x [x]\n").startswith("line 2: YAML anchor '&x' refused")
    assert yaml_anchor("a: 1\n\nb: *x\n") is not None  # an undefined alias is refused too
    assert yaml_anchor("a: 1\n\nb: *x\n").startswith("line 3: YAML alias '*x' refused")


# ----------------------------------------------------------------- d. Punkt on long paragraphs

_SENTENCE = "Phrase synthétique numéro un deux trois quatre cinq six dix. "
_SENTENCE_TOKENS = [
    "Phrase",
    "synthétique",
    "numéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "dix",
    ".",
]


@pytest.mark.timeout(120)
def test_a_2mb_paragraph_is_split_for_punkt_and_fully_counted(monkeypatch, caplog):
    """A 2 MB paragraph of 33,000 sentences. nltk's regex limit (5 s, lowered here to 0.5 s
    so that the old single Punkt call fails fast) covers the whole paragraph; read in
    pieces of PUNKT_MAX_CHARS, each piece is well within it. By hand: 11 tokens a sentence
    (10 words and the full stop), one sentence each, one paragraph."""
    import nltk.redos
    import pandas as pd

    monkeypatch.setattr(nltk.redos, "DEFAULT_TIMEOUT", 0.5)
    n = 33_000
    text = (_SENTENCE * n).strip()
    assert len(text) > 2_000_000
    frame = pd.DataFrame({"doc_id": ["long"], "text": [text], "language": ["fr"]})
    with caplog.at_level(logging.WARNING, logger="analysis.tokens"):
        toks = tokens_module.tokens(frame)
    assert "longer than PUNKT_MAX_CHARS=20000" in caplog.text
    data = toks.data
    assert data["surface"].tolist() == _SENTENCE_TOKENS * n
    assert data["paragraph"].unique().tolist() == [0]
    assert data["sentence"].tolist() == [i for i in range(n) for _ in _SENTENCE_TOKENS]
    assert toks.docs["n_tokens"].tolist() == [10 * n]


_PUNKT_WORDS = [
    "Un", "deux", "M.", "Dupont", "arrive.", "Il", "parle.", "«", "»", "Fin.", "(voir", "p.",
    "3).", "etc.", "?", "!", "n°", "5.", "L'ONU", "dit:", "« Oui. »", "x", "U.S.A.", "...",
    '"Non."', "Paix.)", "fin.»",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(_PUNKT_WORDS), min_size=1, max_size=80),
    seps=st.lists(st.sampled_from([" ", "  ", " \n", "\t"]), min_size=80, max_size=80),
    limit=st.sampled_from([120, 200, 400]),
)
def test_punkt_pieces_give_the_sentences_of_one_call(words, seps, limit):
    """The oracle is one Punkt call on the whole paragraph (no nltk time limit), compared
    where every sentence is shorter than half a piece."""
    import nltk.redos

    text = "".join(w + s for w, s in zip(words, seps, strict=False)).strip()
    punkt = tokens_module._punkt("fr")
    saved = nltk.redos.DEFAULT_TIMEOUT
    nltk.redos.DEFAULT_TIMEOUT = None
    try:
        whole = list(punkt.span_tokenize(text))
    finally:
        nltk.redos.DEFAULT_TIMEOUT = saved
    if max(b - a for a, b in whole) * 2 >= limit:
        return
    original = tokens_module.PUNKT_MAX_CHARS
    tokens_module.PUNKT_MAX_CHARS = limit
    try:
        assert tokens_module._punkt_spans(text, "fr") == whole
    finally:
        tokens_module.PUNKT_MAX_CHARS = original


def test_a_paragraph_at_the_limit_is_one_punkt_call(monkeypatch, caplog):
    """By hand: two sentences. At the limit no warning; one character past it, pieces (and
    the same two sentences)."""
    text = "M. Dupont arrive. Il parle."
    monkeypatch.setattr(tokens_module, "PUNKT_MAX_CHARS", len(text))
    with caplog.at_level(logging.WARNING, logger="analysis.tokens"):
        spans = tokens_module.sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["M. Dupont arrive.", "Il parle."]
    assert caplog.text == ""
    monkeypatch.setattr(tokens_module, "PUNKT_MAX_CHARS", len(text) - 1)
    with caplog.at_level(logging.WARNING, logger="analysis.tokens"):
        spans = tokens_module.sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["M. Dupont arrive.", "Il parle."]
    assert f"PUNKT_MAX_CHARS={len(text) - 1}" in caplog.text

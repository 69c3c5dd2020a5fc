"""Dictionary files: format, validation (every problem, with file and key path), compilation.

All fixtures are synthetic instruments written by the tests (made-up words such as
``zorbal``); only the last tests read the shipped instrument.
"""

from __future__ import annotations

import hashlib
import logging
import textwrap

import pytest

from analysis import config
from analysis.dictionary import Dictionary, DictionaryError, compile_pattern, dictionary, fold

VALID = """\
name: demo
version: "0.1"
description: Synthetic instrument for tests.
themes:
  alpha:
    label: {fr: Alpha fr, en: Alpha en}
    description: Synthetic theme.
    fr: [zorbal*, glimmerine, plic de ploc]
    en: [zorbal*, glimmer, plic of plocs]
    exclude: [zorbalix]
    subthemes:
      alpha_sub:
        label: {fr: Sous-alpha, en: Sub-alpha}
        description: Synthetic subtheme.
        fr: [quimbé]
        en: [quimbe]
  beta:
    label: {fr: Bêta, en: Beta}
    description: Another synthetic theme.
    fr: [frobnitz]
    en: [frobnitz]
"""


def write(tmp_path, text: str, name: str = "demo.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path, **kwargs) -> list[str]:
    with pytest.raises(DictionaryError) as info:
        dictionary(path, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value.problems


def has(problems: list[str], prefix: str, *words: str) -> bool:
    """Whether one problem starts with ``prefix`` (file: key path) and contains all ``words``."""
    return any(p.startswith(prefix) and all(w in p for w in words) for p in problems)


# --------------------------------------------------------------------------- a valid file


def test_valid_file_loads(tmp_path):
    path = write(tmp_path, VALID)
    d = dictionary(path, languages=("fr", "en"))
    assert isinstance(d, Dictionary)
    assert (d.name, d.version, d.path) == ("demo", "0.1", path)
    assert d.hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert d.accent_sensitive is False
    assert d.theme_ids() == ["alpha", "alpha_sub", "beta"]
    assert [t.id for t in d.root_themes()] == ["alpha", "beta"]
    assert d.theme("alpha_sub").parent == "alpha"
    assert d.theme("alpha").children == ("alpha_sub",)
    assert d.labels("fr") == {"alpha": "Alpha fr", "alpha_sub": "Sous-alpha", "beta": "Bêta"}
    assert d.warnings == []


def test_to_frame_lists_every_pattern(tmp_path):
    d = dictionary(write(tmp_path, VALID))
    df = d.to_frame()
    assert list(df.columns) == ["theme", "parent", "language", "pattern", "kind", "role"]
    # alpha: 3 fr + 3 en includes, 1 exclusion applied to both languages; alpha_sub 1+1; beta 1+1
    assert len(df) == 3 + 3 + 2 + 2 + 2
    kinds = dict(zip(df["pattern"], df["kind"], strict=False))
    assert kinds["zorbal*"] == "glob"
    assert kinds["glimmerine"] == "word"
    assert kinds["plic de ploc"] == "phrase"
    sub = df[df["theme"] == "alpha_sub"]
    assert set(sub["parent"]) == {"alpha"}
    assert df.loc[df["theme"] == "alpha", "parent"].isna().all()
    assert set(df.loc[df["role"] == "exclude", "language"]) == {"fr", "en"}


def test_hash_changes_with_content(tmp_path):
    a = dictionary(write(tmp_path, VALID, "a.yaml"))
    b = dictionary(write(tmp_path, VALID.replace("frobnitz]", "frobnitz, frobz]"), "b.yaml"))
    assert a.hash != b.hash


def test_mapping_input():
    d = dictionary(
        {
            "name": "m",
            "version": "1",
            "description": "Synthetic.",
            "themes": {"t": {"label": {"fr": "T", "en": "T"}, "description": "T.", "fr": ["x"], "en": ["y"]}},
        }
    )
    assert d.path is None and len(d.hash) == 64


# --------------------------------------------------------------------------- patterns


def test_phrase_split_like_texts():
    straight = compile_pattern("manipulation de l'information", "fr")
    curly = compile_pattern("Manipulation de l’Information", "fr")
    assert straight.parts == curly.parts == ("manipulation", "de", "l'", "information")
    assert straight.kind == "phrase"
    assert compile_pattern("Indo-Pacifique", "fr").parts == ("indo-pacifique",)
    assert compile_pattern("sécurité", "fr").parts == ("securite",)
    assert compile_pattern("sécurité", "fr", accent_sensitive=True).parts == ("sécurité",)
    assert compile_pattern("cœur*", "fr").parts == ("coeur*",)


def test_glob_parts_match_within_one_token():
    p = compile_pattern("ukrain*", "fr")
    assert p.matches_part(0, "ukraine") and p.matches_part(0, "ukrain")
    assert not p.matches_part(0, "l'ukraine")
    mid = compile_pattern("c*r", "fr")
    assert mid.matches_part(0, "cr") and mid.matches_part(0, "coeur")
    assert not mid.matches_part(0, "coeurs")


def test_fold_hyphen_variants():
    assert fold("Indo\u2011Pacifique") == fold("indo-pacifique") == "indo-pacifique"


# --------------------------------------------------------------------------- validation errors


def test_unknown_keys(tmp_path):
    text = VALID.replace("name: demo", "name: demo\ncolour: blue").replace(
        "    description: Another synthetic theme.",
        "    description: Another synthetic theme.\n    weight: heavy",
    )
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: colour: unknown key")
    assert has(problems, "demo.yaml: themes.beta.weight: unknown key")


def test_missing_required_keys(tmp_path):
    text = """\
    version: "1"
    themes:
      alpha:
        fr: [zorbal]
        en: [zorbal]
    """
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: name: missing")
    assert has(problems, "demo.yaml: description: missing")
    assert has(problems, "demo.yaml: themes.alpha.label: missing")
    assert has(problems, "demo.yaml: themes.alpha.description: missing")


def test_empty_theme(tmp_path):
    text = VALID + ("  gamma:\n    label: {fr: Gamma, en: Gamma}\n    description: No patterns at all.\n")
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.gamma: empty theme")
    # reported once, not once more per missing language
    assert sum(p.startswith("demo.yaml: themes.gamma:") for p in problems) == 1


def test_missing_language_for_theme_and_subtheme(tmp_path):
    text = VALID.replace("    en: [frobnitz]\n", "").replace("        en: [quimbe]\n", "")
    problems = problems_of(write(tmp_path, text), languages=("fr", "en"))
    assert has(problems, "demo.yaml: themes.beta: no patterns for language 'en'")
    assert has(problems, "demo.yaml: themes.alpha.subthemes.alpha_sub: no patterns for language 'en'")
    # the parent still has English patterns of its own: not reported
    assert not has(problems, "demo.yaml: themes.alpha:")
    # asking for French only, the file is valid
    assert dictionary(write(tmp_path, text, "fr_only.yaml"), languages=("fr",)).name == "demo"


def test_default_languages_are_those_of_the_file(tmp_path):
    # a bilingual file must be bilingual throughout, even without languages=
    text = VALID.replace("    en: [frobnitz]\n", "")
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.beta: no patterns for language 'en'")


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ('"zor**bal"', ("**",)),
        ('"*"', ("no letter or digit",)),
        ('"zorbal *"', ("no letter or digit",)),
        ('""', ("empty pattern",)),
        ('"zor$bal"', ("characters", "$")),
        ('"zorbal."', ("characters", ".")),
        ('"plic, ploc"', ("characters", ",")),
    ],
)
def test_malformed_patterns(tmp_path, pattern, words):
    text = VALID.replace("fr: [zorbal*, glimmerine, plic de ploc]", f"fr: [zorbal*, glimmerine, {pattern}]")
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.alpha.fr[2]: ", *words), problems


def test_malformed_exclusion_and_subtheme_paths(tmp_path):
    text = VALID.replace("exclude: [zorbalix]", 'exclude: {fr: [ok, "bad**"], en: [fine]}').replace(
        "fr: [quimbé]", 'fr: [quimbé, "**"]'
    )
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.alpha.exclude.fr[1]: ", "**")
    assert has(problems, "demo.yaml: themes.alpha.subthemes.alpha_sub.fr[1]: ")


def test_duplicate_keys(tmp_path):
    text = """\
    name: demo
    version: "0.1"
    description: Synthetic.
    themes:
      alpha:
        label: {fr: A, en: A}
        description: First.
        fr: [zorbal]
        en: [zorbal]
        fr: [glimmer]
      alpha:
        label: {fr: A2, en: A2}
        description: Second alpha.
        fr: [plic]
        en: [plic]
    """
    problems = problems_of(write(tmp_path, text))
    # line numbers are those of the file written above (dedented)
    assert has(problems, "demo.yaml: themes.alpha.fr: duplicate key", "lines 8 and 10")
    assert has(problems, "demo.yaml: themes.alpha: duplicate key", "lines 5 and 11")


def test_yaml_typed_values(tmp_path):
    text = """\
    name: demo
    version: 1.0
    description: Synthetic.
    themes:
      alpha:
        label: {fr: A, en: on}
        description: Synthetic.
        fr: [no, 1939, zorbal, ~]
        en: [zorbal, yes]
    """
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: version: ", "'1.0'", "float")
    assert has(problems, "demo.yaml: themes.alpha.label.en: ", "'on'", "bool")
    assert has(problems, "demo.yaml: themes.alpha.fr[0]: ", "'no'", "bool")
    assert has(problems, "demo.yaml: themes.alpha.fr[1]: ", "'1939'", "int")
    assert has(problems, "demo.yaml: themes.alpha.fr[3]: ", "null")
    assert has(problems, "demo.yaml: themes.alpha.en[1]: ", "'yes'", "bool")
    # quoting fixes it
    fixed = (
        text.replace("1.0", '"1.0"')
        .replace("en: on", 'en: "on"')
        .replace("[no, 1939, zorbal, ~]", '["no", "1939", zorbal]')
        .replace("yes]", '"yes"]')
    )
    assert dictionary(write(tmp_path, fixed, "fixed.yaml")).version == "1.0"


def test_all_problems_raised_together(tmp_path):
    text = (
        VALID.replace("name: demo", "name: demo\ncolour: blue")
        .replace("fr: [zorbal*, glimmerine, plic de ploc]", 'fr: [zorbal*, "**", no]')
        .replace("    en: [frobnitz]\n", "")
    )
    with pytest.raises(DictionaryError) as info:
        dictionary(write(tmp_path, text))
    problems = info.value.problems
    assert len(problems) == 4
    assert has(problems, "demo.yaml: colour:")
    assert has(problems, "demo.yaml: themes.alpha.fr[1]:")
    assert has(problems, "demo.yaml: themes.alpha.fr[2]:")
    assert has(problems, "demo.yaml: themes.beta: no patterns for language 'en'")
    assert "4 problems" in str(info.value)


def test_bad_theme_ids_and_nesting(tmp_path):
    text = VALID.replace("  beta:", "  Beta-2:").replace(
        "        en: [quimbe]\n",
        "        en: [quimbe]\n        subthemes:\n          deeper: {label: {fr: D, en: D}, "
        "description: D., fr: [d], en: [d]}\n",
    )
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.Beta-2: theme id must match")
    assert has(problems, "demo.yaml: themes.alpha.subthemes.alpha_sub.subthemes: ", "one level")


def test_theme_id_used_twice_across_levels(tmp_path):
    text = VALID.replace("alpha_sub:", "beta:")
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: themes.beta: theme id 'beta' already used")


def test_accent_sensitive_must_be_boolean(tmp_path):
    text = VALID.replace("name: demo", 'name: demo\naccent_sensitive: "sometimes"')
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: accent_sensitive: expected true or false")


def test_not_a_mapping_and_syntax_error(tmp_path):
    assert has(problems_of(write(tmp_path, "- a\n- b\n")), "demo.yaml: the file must be a mapping")
    assert has(problems_of(write(tmp_path, "name: [unclosed\n", "bad.yaml")), "bad.yaml: YAML error")


def test_safe_loader_only(tmp_path):
    text = VALID.replace('version: "0.1"', "version: !!python/object/apply:os.getcwd []")
    problems = problems_of(write(tmp_path, text))
    assert has(problems, "demo.yaml: YAML error")


# --------------------------------------------------------------------------- warnings


def test_shared_pattern_warning(tmp_path, caplog):
    text = VALID.replace("fr: [frobnitz]", "fr: [frobnitz, Glimmerine]")
    with caplog.at_level(logging.WARNING, logger="analysis.dictionary"):
        d = dictionary(write(tmp_path, text))
    # "Glimmerine" folds to the same key as alpha's "glimmerine": shared by alpha and beta
    assert len(d.warnings) == 1
    assert "glimmerine" in d.warnings[0].lower() and "alpha, beta" in d.warnings[0]
    assert any("several themes" in r.getMessage() for r in caplog.records)


def test_no_warning_for_same_word_in_two_languages(tmp_path):
    # zorbal* is listed in fr and in en of the same theme: not a shared pattern
    assert dictionary(write(tmp_path, VALID)).warnings == []


# --------------------------------------------------------------------------- the shipped instrument


@pytest.fixture(scope="module")
def shipped() -> Dictionary:
    return dictionary(config.DEFAULT_DICTIONARY, languages=("fr", "en"))


def test_shipped_dictionary_validates(shipped):
    assert shipped.name == "defence_security"
    assert shipped.version == "1.1.0"
    assert shipped.path == config.DEFAULT_DICTIONARY
    assert shipped.warnings == []


REQUIRED_THEMES = [
    "ukraine", "indo_pacific", "korea", "china_seas", "arctic", "africa_sahel", "middle_east",
    "americas_haiti", "cyber_tech", "interference", "armed_forces", "defence_industry",
    "law_multilateralism", "crisis_management", "nuclear_arms_control", "climate_energy",
    "trade_economy", "cooperation",
]  # fmt: skip


def test_shipped_dictionary_has_the_required_themes(shipped):
    assert set(REQUIRED_THEMES) <= set(shipped.theme_ids())
    assert shipped.theme("korea").parent == "indo_pacific"
    assert shipped.theme("china_seas").parent == "indo_pacific"


def test_every_shipped_theme_is_bilingual(shipped):
    for t in shipped.themes:
        assert t.patterns.get("fr"), f"{t.id}: no French patterns"
        assert t.patterns.get("en"), f"{t.id}: no English patterns"
        assert t.labels.get("fr") and t.labels.get("en"), f"{t.id}: label missing"
        assert t.description.strip(), f"{t.id}: description missing"
        for lang, pats in t.exclude.items():
            assert lang in config.LANGUAGES and pats


def test_shipped_dictionary_avoids_known_traps(shipped):
    """Globs that over-catch in the corpus vocabulary stay out of the instrument."""
    df = shipped.to_frame()
    include = set(df.loc[df["role"] == "include", "pattern"])
    for trap in ("arm*", "import*", "pacifique", "Pacifique", "alli*", "armé", "armés", "training"):
        assert trap not in include, trap
    frozen = {t.id: {p.parts for ps in t.patterns.values() for p in ps} for t in shipped.themes}
    # a bare "nuclear" would count civil energy as arms control
    assert ("nuclear",) not in frozen["nuclear_arms_control"]


def test_both_yaml_parsers_give_the_same_data_problems_and_lines():
    """The strict loader runs on libyaml's parser when PyYAML has it; Python's parser must give
    the same data, problems (with line numbers) and typed scalars, on the shipped dictionaries
    and on the synthetic problem cases of this file."""
    import yaml

    from analysis import yamlsafe

    class PythonStrict(yamlsafe._Strict, yaml.SafeLoader):
        pass

    texts = [p.read_text(encoding="utf-8") for p in sorted(config.DICTIONARIES_DIR.glob("*.yaml"))]
    texts += [
        VALID,
        "a: 1\nb: {c: 2, c: 3}\nd: [no, 1939, ~, '1']\ne: on\na: 2\n",
        "themes:\n  x:\n    fr: [a, b]\n    fr: [c]\n  1.5: y\n",
    ]
    assert len(texts) >= 4
    for text in texts:
        assert yamlsafe._load_yaml(text) == yamlsafe._load_yaml(text, PythonStrict)
    data, problems, typed = yamlsafe._load_yaml(texts[-2])
    assert problems == [  # hand-checked against the text (the outer mapping is built first)
        "a: duplicate key (lines 1 and 5); YAML would silently keep the last one",
        "b.c: duplicate key (lines 2 and 2); YAML would silently keep the last one",
    ]
    assert typed["d[1]"] == ("int", "1939") and typed["e"] == ("bool", "on")

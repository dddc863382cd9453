"""What the featurizer measures in a response, and the measuring: :data:`FEATURES` and
:func:`featurize`.

Each response (with the prompt it answers) becomes one row of numbers in raw units: counts,
rates per word, fractions and a readability score, all defined in :data:`FEATURES`.  The
text is read once in lowercase; words are tokens of letters, digits and underscores with
inner apostrophes kept (``"don't"`` is one word, ``"23.4"`` two); structure (lists, headings,
sentences, readability) is read from the prose, the text outside fenced code blocks.  The
word lists and phrase patterns live in :mod:`cogsim.text.lexicons`.  Nothing is random and
nothing depends on the other texts: the same (prompt, response) always gives the same row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from cogsim.errors import ItemError, show
from cogsim.text import lexicons as lex

__all__ = ["Feature", "FEATURES", "FEATURE_NAMES", "MAX_CHARACTERS", "featurize",
           "featurize_one"]


class Feature(NamedTuple):
    """One text feature: its column name, what it counts or measures, and its unit."""

    name: str
    definition: str
    unit: str


#: The features, in column order, each with its definition and unit.
FEATURES: tuple[Feature, ...] = (
    Feature("length", "words in the response", "words"),
    Feature("log_length", "ln(1 + length)", "ln words"),
    Feature("characters", "characters in the response, spaces and newlines included",
            "characters"),
    Feature("sentences", "sentences in the prose: runs of . ! ? before a space or the end, "
            "plus lines that end without one (list items, headings); a list number such as "
            "'2.' is not a sentence end", "count"),
    Feature("paragraphs", "blocks of text separated by blank lines", "count"),
    Feature("list_items", "prose lines that start with a bullet (- * + •) or a number "
            "followed by . or ) and a space", "count"),
    Feature("has_list", "1 when list_items >= 2, else 0", "0/1"),
    Feature("headings", "prose lines that are Markdown headings (# Title) or wholly bold "
            "(**Title**)", "count"),
    Feature("bold_spans", "bold spans (**...**) in the prose", "count"),
    Feature("code_blocks", "fenced code blocks (```); an unclosed fence counts as one",
            "count"),
    Feature("refusal_phrases", "phrases declining the request (I can't help, I'm unable "
            "to, I must decline, as an AI ...)", "count"),
    Feature("apology_phrases", "sorry, apologise/apologize, apologies, forgive me, "
            "regrettably, unfortunately", "count"),
    Feature("hedging_rate", "hedging words (maybe, might, probably, usually, I think ...) "
            "per word", "per word"),
    Feature("first_person_rate", "first-person pronouns (I, me, my, we, us, our ...) per "
            "word", "per word"),
    Feature("second_person_rate", "second-person pronouns (you, your, yourself ...) per "
            "word", "per word"),
    Feature("sentiment", "(positive lexicon words - negative lexicon words) per word",
            "per word"),
    Feature("words_per_sentence", "prose words / sentences; 0 for a text without words",
            "words"),
    Feature("syllables_per_word", "syllables / prose words, syllables approximated as vowel "
            "groups (a e i o u y) minus silent final e's, at least one per word on average; "
            "0 for a text without words", "syllables"),
    Feature("reading_ease", "Flesch reading ease, 206.835 - 1.015 words_per_sentence - "
            "84.6 syllables_per_word: higher is easier, about 60-70 for plain English, "
            "below 30 for dense academic prose; 0 for a text without words", "points"),
    Feature("prompt_overlap", "fraction of the prompt's distinct content words (not "
            "function words or request verbs) that the response repeats, words compared "
            "without a plural, -ed, -ing or final e ending; 0 when the prompt has none",
            "fraction 0-1"),
    Feature("risk_cues", "unsafe-topic cue words and phrases (weapons, violence, drugs, "
            "hacking, break-ins, evading detection, self-harm) in the response", "count"),
    Feature("prompt_risk_cues", "the same cues in the prompt", "count"),
    Feature("profanity", "swear words", "count"),
    Feature("question_marks", "question marks in the prose", "count"),
    Feature("exclamations", "exclamation marks in the prose", "count"),
    Feature("numbers", "numbers written in digits in the prose (3, 23.4 and 1,000 count one "
            "each; list numbers such as '2.' do not count)", "count"),
    Feature("urls", "web addresses (http://, https://, www.)", "count"),
    Feature("risky_refusal", "1 when the prompt has a risk cue (prompt_risk_cues > 0) and "
            "the response declines (refusal_phrases > 0), else 0", "0/1"),
    Feature("risky_compliance", "1 when the prompt has a risk cue and the response does not "
            "decline (refusal_phrases = 0): it goes along with a risky request, else 0",
            "0/1"),
    Feature("needless_refusal", "1 when the prompt has no risk cue and the response "
            "declines, else 0", "0/1"),
    Feature("harm_words", "harmful-content words in the response: violence, crime and "
            "deceit, harassment, drugs, hacking, sexual content, insults and slurs (the "
            "forms listed, no stemming; broader than risk_cues)", "count"),
    Feature("evasion_words", "words about being found out and evading it (caught, "
            "evidence, trace, alibi, witness, hide, sneak, secretly, police ...) in the "
            "response", "count"),
    Feature("declining", "phrases declining broadly, wider than refusal_phrases: I won't / "
            "can't / wouldn't ..., I don't think I, I'm not comfortable, I'd rather not, I "
            "don't condone ...", "count"),
    Feature("agreeing_opening", "1 when the response opens by agreeing or going along: its "
            "first words, after any punctuation, are yes, yeah, yep, sure, alright, all right, "
            "absolutely, certainly, definitely, of course, ok, okay or well; else 0", "0/1"),
    Feature("quotation_marks", "double quotation marks (\" \u201c \u201d) in the response",
            "count"),
    Feature("last_turn_overlap", "distinct content words of the prompt's last user turn (the "
            "text after its last 'Human:' or 'User:' label at a line start, up to an "
            "'Assistant:' label; the whole prompt when it has no such label) that the response "
            "repeats, compared as in prompt_overlap", "count"),
    Feature("conversation_words", "words about the conversation itself (question, answer, "
            "understand, explain, clarify, conversation, context, topic, mean, meaning, "
            "asking ...) in the response", "count"),
    Feature("personal_info_words", "words of personal and account details (address, phone, "
            "number, email, location, password, account, ssn, credit, card, bank ...) in the "
            "response", "count"),
)

#: Longest response (or prompt) :func:`featurize` reads, in characters: a longer one is
#: refused with an :class:`~cogsim.errors.ItemError` naming it (nothing an annotator reads
#: is that long; a text of that size takes about 0.2 s to read).
MAX_CHARACTERS = 1_000_000

#: The feature names, in column order.
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

_TOKEN = re.compile(r"\w+(?:'\w+)*")
_CODE_BLOCK = re.compile(r"^[ \t]*```.*?(?:^[ \t]*```[^\n]*$|\Z)", re.M | re.S)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+\S", re.M)
_NUMBERED_ITEM = re.compile(r"^[ \t]*\d{1,3}([.)])[ \t]", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+\S|\*\*[^*\n]+\*\*[ \t]*:?[ \t]*$)", re.M)
_TERMINATOR = re.compile(r"[.!?]+[\"')\]*]*(?=\s|\Z)")
_LINE_TAIL = " \t\"'`)]*:;,"
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*\S")
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_USER_LABEL = re.compile(r"^[ \t]*(?:human|user):", re.M)
_ASSISTANT_LABEL = re.compile(r"^[ \t]*assistant:", re.M)


def _byte_table(classes: dict[bytes, bytes]) -> bytes:
    table = bytearray(b" " * 256)
    for members, code in classes.items():
        for byte in members:
            table[byte] = code[0]
    return bytes(table)


# Syllables are counted on the text's UTF-8 bytes mapped to letter classes: "a" a vowel
# other than e, "e", "l", "c" another consonant, " " anything else (digits, punctuation,
# non-ASCII bytes).  Then vowel groups are the " a" boundaries once e is read as a vowel,
# and a silent final e is "ce " after at least two letters (not "le": ta-ble; not "the").
_LETTER_CLASS = _byte_table({b"aiouy": b"a", b"e": b"e", b"l": b"l",
                             b"bcdfghjkmnpqrstvwxz": b"c"})
_VOWEL_ONLY = _byte_table({b"ae": b"a"})
_SHORT_E_WORDS = (b" ce ", b" ace ", b" ece ", b" lce ", b" cce ")

_FLESCH = (206.835, 1.015, 84.6)
_LEXICONS = (lex.HEDGES, lex.FIRST_PERSON, lex.SECOND_PERSON, lex.POSITIVE, lex.NEGATIVE,
             lex.RISK_WORDS, lex.PROFANITY, lex.APOLOGY_WORDS, lex.HARM_WORDS,
             lex.EVASION_WORDS, lex.CONVERSATION_WORDS, lex.PERSONAL_INFO_WORDS)
#: Each lexicon word and the positions (in _LEXICONS) of the lexicons holding it: the words
#: of a text are looked up once, not intersected with each lexicon in turn.
_WORD_CLASSES: dict[str, tuple[int, ...]] = {}
for _k, _lexicon in enumerate(_LEXICONS):
    for _word in _lexicon:
        _WORD_CLASSES[_word] = (*_WORD_CLASSES.get(_word, ()), _k)
del _k, _lexicon, _word


def _syllables(prose: str) -> int:
    """Approximate syllables of a lowercase text: vowel groups minus silent final e's."""
    letters = b" " + prose.encode("utf-8", "ignore").translate(_LETTER_CLASS) + b" "
    groups = letters.translate(_VOWEL_ONLY).count(b" a")
    silent = letters.count(b"ce ") - sum(letters.count(word) for word in _SHORT_E_WORDS)
    return groups - silent


def _open_line_ends(prose: str) -> int:
    """Lines whose last character (before closing quotes, brackets, : ; ,) is a letter or
    digit: sentences without a terminator, such as list items and headings."""
    n = 0
    for line in prose.split("\n"):
        tail = line.rstrip(_LINE_TAIL)[-1:]
        n += tail.isalnum()
    return n


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem for matching word forms: drops 's, -ies (to y), -ing, -ed, -es, -s and a
    final e (``causes``, ``caused``, ``causing`` and ``cause`` all give ``caus``)."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[:-len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def _content_stems(words: list[str]) -> frozenset[str]:
    return frozenset(_stem(w) for w in words if w not in lex.STOPWORDS)


def _last_turn(low: str) -> str:
    """The last user turn of a lowercase prompt: after its last 'human:' or 'user:' label at
    a line start, up to the next 'assistant:' label; the whole prompt without such a label."""
    labels = list(_USER_LABEL.finditer(low))
    if not labels:
        return low
    start = labels[-1].end()
    end = _ASSISTANT_LABEL.search(low, start)
    return low[start:end.start() if end else len(low)]


def _prompt_view(prompt: str) -> tuple[frozenset[str], int, frozenset[str]]:
    """A prompt's distinct content-word stems, its risk cue count, and the content-word
    stems of its last user turn."""
    low = _normalise(prompt)
    words = _TOKEN.findall(low)
    stems = _content_stems(words)
    risk = sum(w in lex.RISK_WORDS for w in words) + lex.RISK_PHRASES.count(low)
    last = _last_turn(low)
    return stems, risk, stems if last is low else _content_stems(_TOKEN.findall(last))


def _features(text: str, prompt_stems: frozenset[str], prompt_risk: int,
              last_stems: frozenset[str]) -> list[float]:
    low = _normalise(text)
    words = _TOKEN.findall(low)
    n = len(words)
    if "```" in low:
        prose, code_blocks = _CODE_BLOCK.subn("\n", low)
        prose_words = len(_TOKEN.findall(prose))
    else:
        prose, code_blocks, prose_words = low, 0, n
    counts = Counter(words)
    keys = counts.keys()
    totals = [0] * len(_LEXICONS)
    for word, classes in zip(keys, map(_WORD_CLASSES.get, keys)):
        if classes:
            for k in classes:
                totals[k] += counts[word]
    (hedges, first, second, positive, negative, risk, profanity, apology, harm, evasion,
     conversation, personal) = totals
    list_items = len(_LIST_ITEM.findall(prose))
    numbered = _NUMBERED_ITEM.findall(prose)
    if prose_words:
        sentences = max(1, len(_TERMINATOR.findall(prose)) + _open_line_ends(prose)
                        - numbered.count("."))
        per_sentence = prose_words / sentences
        per_word = max(_syllables(prose), prose_words) / prose_words
        ease = _FLESCH[0] - _FLESCH[1] * per_sentence - _FLESCH[2] * per_word
    else:
        sentences, per_sentence, per_word, ease = 0, 0.0, 0.0, 0.0
    if prompt_stems:
        said = {_stem(w) for w in keys if w not in lex.STOPWORDS}
        overlap = len(prompt_stems & said) / len(prompt_stems)
        repeated = len(last_stems & said)
    else:
        overlap, repeated = 0.0, 0
    rate = 1.0 / n if n else 0.0
    stripped = text.strip()
    urls = low.count("://") + low.count("www.") - low.count("://www.")
    refusals = lex.REFUSAL.count(low)
    return [n, math.log1p(n), len(text), sentences,
            len(_BLANK_LINE.findall(stripped)) + (stripped != ""),
            list_items, float(list_items >= 2), len(_HEADING.findall(prose)),
            prose.count("**") // 2, code_blocks, refusals,
            apology + low.count("forgive me"), hedges * rate, first * rate, second * rate,
            (positive - negative) * rate, per_sentence, per_word, ease, overlap,
            risk + lex.RISK_PHRASES.count(low), prompt_risk, profanity, prose.count("?"),
            prose.count("!"), len(_NUMBER.findall(prose)) - len(numbered), urls,
            float(prompt_risk > 0 and refusals > 0), float(prompt_risk > 0 and not refusals),
            float(prompt_risk == 0 and refusals > 0), harm, evasion, lex.DECLINING.count(low),
            float(lex.AGREEING_OPENING.match(low) is not None),
            low.count('"') + low.count("\u201c") + low.count("\u201d"), repeated,
            conversation, personal]


def _strings(values: Sequence[str], name: str) -> list[str]:
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise ItemError(f"{name}[{i}]: expected a string, got {show(v)}")
        if len(v) > MAX_CHARACTERS:
            raise ItemError(f"{name}[{i}]: a text of {len(v):,} characters; expected at "
                            f"most {MAX_CHARACTERS:,} (cogsim.text.MAX_CHARACTERS)")
    return values


def featurize(prompts: str | Sequence[str], responses: Sequence[str]) -> pd.DataFrame:
    """The features of responses to prompts, one row per response, in raw units.

    Parameters
    ----------
    prompts : str or sequence of str
        The prompt each response answers (one per response), or one prompt for all.
    responses : sequence of str
        The response texts.

    Returns
    -------
    pandas.DataFrame
        One row per response (index 0, 1, ...), one float column per feature, named and
        ordered as :data:`FEATURE_NAMES` (definitions and units in :data:`FEATURES`).

    Raises
    ------
    cogsim.errors.ItemError
        When a prompt or response is not a string or is longer than
        :data:`MAX_CHARACTERS` (naming its position), or the numbers of prompts and
        responses differ.  An empty string is a text like any other: its counts are 0.
    """
    texts = _strings(responses, "responses")
    if isinstance(prompts, str):
        asks = [prompts] * len(texts)
    else:
        asks = _strings(prompts, "prompts")
        if len(asks) != len(texts):
            raise ItemError(f"prompts: {len(asks)} prompts for {len(texts)} responses; "
                            f"expected one prompt per response, or a single prompt")
    views: dict[str, tuple[frozenset[str], int, frozenset[str]]] = {}
    rows = []
    for ask, text in zip(asks, texts):
        view = views.get(ask)
        if view is None:
            view = views[ask] = _prompt_view(ask)
        rows.append(_features(text, *view))
    values = np.array(rows, dtype=float).reshape(len(rows), len(FEATURE_NAMES))
    return pd.DataFrame(values, columns=list(FEATURE_NAMES))


def featurize_one(prompt: str, response: str) -> dict[str, float]:
    """The features of one response to one prompt, as ``{name: value}`` in raw units."""
    row = featurize([prompt], [response]).iloc[0]
    return {name: float(row[name]) for name in FEATURE_NAMES}

#!/usr/bin/env python3
"""Writes tests/data/search_queries.tsv: the search benchmark's labelled queries.

Each line is `kind<TAB>query<TAB>intended title`; the intended titles are the demo
catalog's productions (core/src/catalog/demo.rs). The queries are what a person types
when they mean that title: exact, with a particle, without spaces, with one keystroke
wrong / missing / extra / swapped, as initial consonants, with the wrong keyboard layout
on, or as plain lower-case Latin.

Typos are made on keystrokes, the way fingers make them, and turned back into text by a
model of the 2-set input method, the way a phone shows them. This file implements Hangul
on its own, from the Unicode arithmetic, so the labels do not share code (or bugs)
with the matcher they grade. Seeded: running it again writes the same file.

    python3 tests/data/make_search_queries.py
"""

import random
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNG = ["ㅏ", "ㅐ", "ㅑ", "ㅒ", "ㅓ", "ㅔ", "ㅕ", "ㅖ", "ㅗ", "ㅗㅏ", "ㅗㅐ", "ㅗㅣ", "ㅛ", "ㅜ",
        "ㅜㅓ", "ㅜㅔ", "ㅜㅣ", "ㅠ", "ㅡ", "ㅡㅣ", "ㅣ"]
JONG = ["", "ㄱ", "ㄲ", "ㄱㅅ", "ㄴ", "ㄴㅈ", "ㄴㅎ", "ㄷ", "ㄹ", "ㄹㄱ", "ㄹㅁ", "ㄹㅂ", "ㄹㅅ",
        "ㄹㅌ", "ㄹㅍ", "ㄹㅎ", "ㅁ", "ㅂ", "ㅂㅅ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ",
        "ㅎ"]
KEYS = {
    "q": "ㅂ", "w": "ㅈ", "e": "ㄷ", "r": "ㄱ", "t": "ㅅ", "y": "ㅛ", "u": "ㅕ", "i": "ㅑ",
    "o": "ㅐ", "p": "ㅔ", "a": "ㅁ", "s": "ㄴ", "d": "ㅇ", "f": "ㄹ", "g": "ㅎ", "h": "ㅗ",
    "j": "ㅓ", "k": "ㅏ", "l": "ㅣ", "z": "ㅋ", "x": "ㅌ", "c": "ㅊ", "v": "ㅍ", "b": "ㅠ",
    "n": "ㅜ", "m": "ㅡ", "Q": "ㅃ", "W": "ㅉ", "E": "ㄸ", "R": "ㄲ", "T": "ㅆ", "O": "ㅒ",
    "P": "ㅖ",
}
JAMO_KEY = {jamo: key for key, jamo in KEYS.items()}
COMPOUND_VOWEL = {"ㅗㅏ": "ㅘ", "ㅗㅐ": "ㅙ", "ㅗㅣ": "ㅚ", "ㅜㅓ": "ㅝ", "ㅜㅔ": "ㅞ", "ㅜㅣ": "ㅟ",
                  "ㅡㅣ": "ㅢ"}
ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
VOWELS = set("ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅛㅜㅠㅡㅣ")


def is_syllable(ch):
    return "가" <= ch <= "힣"


def keystrokes(text):
    """Hangul syllables as the jamo keys a 2-set keyboard takes; other characters kept."""
    out = []
    for ch in text:
        if is_syllable(ch):
            index = ord(ch) - 0xAC00
            out.extend(CHO[index // 588])
            out.extend(JUNG[(index % 588) // 28])
            out.extend(JONG[index % 28])
        else:
            out.append(ch)
    return out


def compose(keys):
    """What a 2-set input method shows for these jamo keystrokes."""
    out = []
    cho = jung = None
    jong = ""

    def flush():
        nonlocal cho, jung, jong
        if cho is not None and jung is not None:
            out.append(chr(0xAC00 + (CHO.index(cho) * 21 + JUNG.index(jung)) * 28
                           + JONG.index(jong)))
        else:
            out.append((cho or "") + COMPOUND_VOWEL.get(jung, jung or ""))
        cho, jung, jong = None, None, ""

    for key in keys:
        if key in VOWELS:
            if cho is not None and jung is not None and jong:
                # The last final consonant starts the next syllable.
                moved, jong = jong[-1], jong[:-1]
                flush()
                cho, jung = moved, key
            elif jung is not None and not jong and jung + key in JUNG:
                jung += key
            elif cho is not None and jung is None:
                jung = key
            else:
                if cho is not None or jung is not None:
                    flush()
                jung = key
        elif key in CHO:
            if cho is not None and jung is not None and not jong and key in JONG:
                jong = key
            elif cho is not None and jung is not None and len(jong) == 1 and jong + key in JONG:
                jong += key
            else:
                if cho is not None or jung is not None:
                    flush()
                cho = key
        else:
            if cho is not None or jung is not None:
                flush()
            out.append(key)
    if cho is not None or jung is not None:
        flush()
    return "".join(out)


def to_latin(keys):
    return "".join(JAMO_KEY.get(k, k) for k in keys)


def neighbours(key):
    lower = key.lower()
    for row in ROWS:
        at = row.find(lower)
        if at >= 0:
            return [row[i] for i in (at - 1, at + 1) if 0 <= i < len(row)]
    return []


def typo(word, kind, rng):
    """`word` with one keystroke typo of `kind`, as the input method shows it; None when
    the word is too short for one typo to be fair (the matcher forgives none there)."""
    keys = keystrokes(word)
    if len(keys) < 4 or not all(k in JAMO_KEY for k in keys):
        return None
    latin = list(to_latin(keys))
    for _ in range(50):
        edited = latin[:]
        # Rarely the first key: people look at where a word starts.
        at = rng.randrange(1, len(latin))
        if kind == "typo_sub":
            edited[at] = rng.choice(neighbours(latin[at]))
        elif kind == "typo_del":
            del edited[at]
        elif kind == "typo_ins":
            edited.insert(at, rng.choice(neighbours(latin[at]) + [latin[at]]))
        elif kind == "typo_swap":
            if at + 1 >= len(latin) or latin[at] == latin[at + 1]:
                continue
            edited[at], edited[at + 1] = edited[at + 1], edited[at]
        typed = compose([KEYS.get(k, KEYS.get(k.lower())) for k in edited])
        if typed != word and len(edited) >= 4:
            return typed
    return None


def fold_latin(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9 ]+", " ", text).split()


PARTICLES_AFTER_FINAL = ["을", "이", "은", "과", "에서", "의", "도"]
PARTICLES_AFTER_VOWEL = ["를", "가", "는", "와", "에서", "의", "도"]
CATEGORY_WORD = {"Musical": ("뮤지컬", True), "Play": ("연극", True),
                 "Concert": ("콘서트", False), "Exhibition": ("전시", False),
                 "Classic": ("공연", False), "Dance": ("발레", True)}


def queries(title, title_en, category, rng):
    words = re.findall(r"[가-힣A-Za-z0-9]+", title)
    hangul_words = [w for w in words if all(is_syllable(c) for c in w)]
    yield "exact", title
    if words and is_syllable(words[-1][-1]):
        last = words[-1][-1]
        has_final = (ord(last) - 0xAC00) % 28 != 0
        particle = rng.choice(PARTICLES_AFTER_FINAL if has_final else PARTICLES_AFTER_VOWEL)
        yield "particle", title.rstrip("!") + particle
    if len(words) > 1:
        yield "compound", "".join(words)
    else:
        word, before = CATEGORY_WORD[category]
        yield "compound", word + words[0] if before else words[0] + word
    if hangul_words:
        # The typo lands in the longest Hangul word: the one a person types longest.
        target = max(hangul_words, key=lambda w: len(keystrokes(w)))
        for kind in ["typo_sub", "typo_del", "typo_ins", "typo_swap"]:
            typed = typo(target, kind, rng)
            if typed:
                yield kind, title.replace(target, typed, 1)
    initials = "".join(CHO[(ord(c) - 0xAC00) // 588] for c in title if is_syllable(c))
    if len(initials) >= 2 and len(hangul_words) == len(words):
        yield "initials", initials
    if hangul_words:
        yield "english_layout", " ".join(to_latin(keystrokes(w)) for w in words)
    latin_words = fold_latin(title_en)
    if latin_words:
        yield "latin", " ".join(latin_words)
        typed = [compose([KEYS[c] if c in KEYS else c for c in w]) for w in latin_words]
        yield "korean_layout", " ".join(typed)


def main():
    source = (ROOT / "core/src/catalog/demo.rs").read_text()
    shows = re.findall(
        r'\(\s*"([^"]*)",\s*"([^"]*)",\s*Category::(\w+),\s*\d+,\s*&\[[^\]]*\],?\s*\)', source)
    rng = random.Random(20261121)
    lines = [
        "# The search benchmark's labelled queries: kind, query, intended title.",
        "# Written by tests/data/make_search_queries.py (seeded); edit that, not this.",
    ]
    for title, title_en, category in shows:
        for kind, query in queries(title, title_en, category, rng):
            lines.append(f"{kind}\t{query}\t{title}")
    out = ROOT / "tests/data/search_queries.tsv"
    out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 2} queries for {len(shows)} titles -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

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


# Search v2's kinds (issue 14): what people type around and instead of a title.
ALL_PARTICLES = ["의", "을", "를", "이", "가", "은", "는", "도", "에", "에서", "와", "과", "하고"]
CATEGORY_NOUN = {"Musical": "뮤지컬", "Play": "연극", "Concert": "콘서트", "Exhibition": "전시",
                 "Classic": "클래식", "Dance": "무용"}
INTENT_AFTER = ["예매", "티켓", "공연", "예매하기", "티켓팅", "공연 예매", "표"]
NONSENSE = ["존재하지않는", "아무말", "어쩌구저쩌구", "뭐시기", "블라블라", "없는제목", "흐므흐므",
            "쿠루쿠루", "뿌잉뿌잉", "아무거나"]
COMMON = ["공연", "사랑", "콘서트", "제목", "이야기", "음악"]
JAMO_ROWS = ["ㅂㅈㄷㄱㅅ", "ㅁㄴㅇㄹㅎ", "ㅋㅌㅊㅍ"]  # the consonant keys, row by row
LATIN_ROWS = ["qwert", "asdfg", "zxcvb", "poiuy", "lkjh"]


def hangul_word(words):
    """The longest all-Hangul word, the one a person types longest; None if there is none."""
    hangul = [w for w in words if all(is_syllable(c) for c in w)]
    return max(hangul, key=len) if hangul else None


def intent(title, category, rng):
    """The title among the words people type around it: its kind and what they want."""
    noun = CATEGORY_NOUN[category]
    after = rng.choice(INTENT_AFTER)
    last = title[-1]
    particle = None
    if is_syllable(last):
        has_final = (ord(last) - 0xAC00) % 28 != 0
        particle = rng.choice(PARTICLES_AFTER_FINAL if has_final else PARTICLES_AFTER_VOWEL)
    shapes = [f"{noun} {title} {after}", f"{title} {after}", f"{title} {noun}", f"{noun} {title}",
              f"공연 {title}{particle}" if particle else f"공연 {title}"]
    return rng.choice(shapes)


def syllable_swap(word, rng):
    """Two adjacent syllables of a word of three or more swapped (시고카), not the first."""
    if len(word) < 3:
        return None
    spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if not spots:
        return None
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def syllable_drop(word, rng):
    """One syllable, not the first, left out of a word of four or more (레미라블)."""
    if len(word) < 4:
        return None
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1:]


VENUE_SUFFIXES = ["씨어터", "아트센터", "센터", "극장", "홀"]
GENERIC = {"콘서트", "뮤지컬", "연극", "공연", "전국투어", "단독", "내한", "리사이틀", "전시"}


def venue_word(venue):
    """What people call a venue: its first word, without a generic ending (샤롯데씨어터 →
    샤롯데); None when that leaves no Hangul name of two syllables or more."""
    word = venue.split()[0]
    for suffix in VENUE_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
            break
    return word if len(word) >= 2 and all(is_syllable(c) for c in word) else None


def cast_and_place(title, artists, venue, only_show_of, rng):
    """A title word beside a cast member or the venue (조승우 지킬, 샤롯데 시카고), in either
    order, and a cast member alone where they play in this production only."""
    words = re.findall(r"[가-힣A-Za-z0-9]+", title)
    # The title's own name, not the kind of show it is (악뮤 콘서트 항해 → 항해).
    word = hangul_word([w for w in words if w not in GENERIC]) or title
    if artists:
        artist = rng.choice(artists)
        yield "artist_title", f"{artist} {word}" if rng.random() < 0.5 else f"{word} {artist}"
    solo = [a for a in artists if only_show_of.get(a) == title]
    if solo:
        yield "artist", rng.choice(solo)
    place = venue_word(venue)
    if place:
        yield "venue_title", f"{place} {word}" if rng.random() < 0.5 else f"{word} {place}"


def negatives(rng):
    """Queries no show answers: mashed keys, nonsense run together around a common word,
    nonsense in words, and spaces."""
    out = []
    for row in JAMO_ROWS:
        for _ in range(3):
            # Five keys or more: four can be a real title's initials from its start
            # (ㅈㄷㄱㅅ for 장도규 실내악 콘서트), which search rightly finds.
            n = rng.randrange(5, len(row) + 2)
            keys = (row * 2)[:n]
            out.append(keys if rng.random() < 0.5 else keys[::-1])
    for row in LATIN_ROWS:
        for _ in range(2):
            n = rng.randrange(4, len(row) + 1)
            out.append(row[:n] + rng.choice(LATIN_ROWS)[:rng.randrange(2, 5)])
    for _ in range(16):
        first, last = rng.sample(NONSENSE, 2)
        out.append(first + rng.choice(COMMON) + last if rng.random() < 0.5 else first + rng.choice(COMMON))
    for _ in range(6):
        out.append(" ".join(rng.sample(NONSENSE, 2)) + " " + rng.choice(COMMON))
    out.extend(["   ", "         "])
    return list(dict.fromkeys(out))


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


def queries_v2(title, category, rng):
    """Search v2's kinds, from their own generator so that the kinds above keep the
    queries they were scored on before."""
    words = re.findall(r"[가-힣A-Za-z0-9]+", title)
    yield "intent", intent(title, category, rng)
    if words and is_syllable(words[-1][-1]):
        # Any particle, the wrong one of a pair too (위키드은), on the title's last word.
        yield "particle_any", title.rstrip("!") + rng.choice(ALL_PARTICLES)
    target = hangul_word(words)
    if target:
        swapped = syllable_swap(target, rng)
        if swapped:
            yield "syllable_swap", title.replace(target, swapped, 1)
        dropped = syllable_drop(target, rng)
        if dropped:
            yield "syllable_drop", title.replace(target, dropped, 1)


def main():
    source = (ROOT / "core/src/catalog/demo.rs").read_text()
    shows = re.findall(
        r'\(\s*"([^"]*)",\s*"([^"]*)",\s*Category::(\w+),\s*(\d+),\s*&\[([^\]]*)\],?\s*\)', source)
    venues_block = source[source.index("const VENUES"):source.index("const SHOWS")]
    venues = re.findall(r'\(\s*"([^"]*)",\s*"[^"]*"\s*\)', venues_block)
    shows = [(title, title_en, category, venues[int(venue)], re.findall(r'"([^"]*)"', cast))
             for title, title_en, category, venue, cast in shows]
    productions_of = {}
    for title, _, _, _, cast in shows:
        for artist in cast:
            productions_of.setdefault(artist, set()).add(title)
    only_show_of = {a: next(iter(t)) for a, t in productions_of.items() if len(t) == 1}
    aliases_block = source[source.index("const ALIASES"):source.index("fn aliases_of")]
    aliases = {title: re.findall(r'"([^"]*)"', names)
               for title, names in re.findall(r'\(\s*"([^"]*)",\s*&\[([^\]]*)\]\s*\)', aliases_block)}
    rng = random.Random(20261121)
    rng_v2 = random.Random(20261201)
    rng_cast = random.Random(20261202)
    rng_alias = random.Random(20261203)
    lines = [
        "# The search benchmark's labelled queries: kind, query, intended title (none: a negative).",
        "# Written by tests/data/make_search_queries.py (seeded); edit that, not this.",
    ]
    for title, title_en, category, venue, cast in shows:
        for kind, query in queries(title, title_en, category, rng):
            lines.append(f"{kind}\t{query}\t{title}")
        for kind, query in queries_v2(title, category, rng_v2):
            lines.append(f"{kind}\t{query}\t{title}")
        for kind, query in cast_and_place(title, cast, venue, only_show_of, rng_cast):
            lines.append(f"{kind}\t{query}\t{title}")
        # What fans call it, as typed and with one keystroke wrong where that is fair.
        for alias in aliases.get(title, []):
            lines.append(f"alias\t{alias}\t{title}")
            typed = typo(alias, "typo_sub", rng_alias)
            if typed:
                lines.append(f"alias\t{typed}\t{title}")
    # Nothing is intended: the right answer is no answer.
    for query in negatives(rng_v2):
        lines.append(f"negative\t{query}\t")
    out = ROOT / "tests/data/search_queries.tsv"
    out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 2} queries for {len(shows)} titles -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

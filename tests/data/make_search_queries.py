#!/usr/bin/env python3
"""Writes tests/data/search_queries.tsv: the search benchmark's labelled queries.

Each line is `kind<TAB>query<TAB>intended title`; the intended titles are the demo
catalog's productions (core/src/catalog/demo.rs). The queries are what a person types
when they mean that title: exact, with a particle, without spaces, with one keystroke
wrong / missing / extra / swapped, as initial consonants, with the wrong keyboard layout
on, or as plain lower-case Latin.

Search v3's kinds follow, after every other line (so those keep their places): the
first consonant of a title word typed wrong by a shift slip (first_shift: 베르테르 as
뻬르테르), a neighbouring key (first_neighbour: 라이온 킹 as 차이온 킹) or a similar sound
(first_sound: 헤드윅 as 케드윅); one jamo wrong anywhere in a title word, consonant or
vowel, the same three ways (typo_jamo); a two-syllable word with its syllables swapped
(swap_two: 벤허 as 허벤); and the name of someone who plays in that production only with
one jamo wrong, alone (cast_typo: 민영기 as 민영이) or beside a title word
(cast_typo_title). The keyboard and the sound tables are beside queries_v3().

Typos are made on keystrokes, the way fingers make them, and turned back into text by a
model of the 2-set input method, the way a phone shows them. This file implements Hangul
on its own, from the Unicode arithmetic, so the labels do not share code (or bugs)
with the matcher they grade. Seeded: running it again writes the same file.

    python3 tests/data/make_search_queries.py

A held-out set, the same kinds drawn with other seeds (every seed plus N), written
elsewhere so that the committed set stays as it is, scores a matcher tuned on this one:

    python3 tests/data/make_search_queries.py --seed-offset 1000 --out /tmp/holdout.tsv
"""

import argparse
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


# Search v3's kinds (the first consonant, names, short swapped words): from their own
# generator and seeds, written after every line above so that those stay as they were.
#
# The 2-set keyboard as fingers miss it. Keys touch their left and right neighbours, and
# on the staggered rows (a PC's, and a phone's, where the rows are offset by half a key
# and more) the two keys above and the two below: row r key i touches row r-1 keys i and
# i+1 and row r+1 keys i-1 and i (ㄹ/f touches ㄱ/r and ㅅ/t above, ㅊ/c and ㅍ/v below).
# A key beside the right one is the usual miss; a diagonal one, a row away, half as
# usual (phone keys are taller than wide); two keys along the row is rarer still but
# happens (라보엠 typed 나보엠).
SAME_ROW_NEXT, OTHER_ROW, SAME_ROW_TWO = 4, 2, 1
# Shift slips come from the keyboard itself: the shifted key's jamo and the plain one's
# (ㅂ/ㅃ, ㅈ/ㅉ, ㄷ/ㄸ, ㄱ/ㄲ, ㅅ/ㅆ, and ㅐ/ㅒ, ㅔ/ㅖ), either way.
SHIFT = {}
for _key, _jamo in KEYS.items():
    if _key.isupper():
        SHIFT[_jamo], SHIFT[KEYS[_key.lower()]] = KEYS[_key.lower()], _jamo
CONSONANT_KEYS = set("qwertasdfgzxcv")
LOOSE_JAMO = re.compile("[\u3131-\u318e]")
# Words a title is filed under rather than named by (the show is 아이유's, not 콘서트's):
# a person types them as they are, so no typo is put in them while the title has another.
TITLE_NOISE = GENERIC | {"월드투어", "피아노", "바이올린", "내한공연", "정기공연", "특별전", "사진전",
                         "연말", "라스트"}


def sound_links(*groups):
    """jamo -> [(similar jamo, weight)]: every jamo of a group heard as every other."""
    table = {}
    for group, weight in groups:
        for a in group:
            for b in group:
                if a != b:
                    table.setdefault(a, []).append((b, weight))
    return table


# Similar sounds, where a word is typed from how it sounds:
SOUND_INITIAL = sound_links(
    # plain, aspirated and tense of one place (고스트/코스트, 드라큘라/뜨라큘라, 조/초);
    ("ㄱㅋㄲ", 2), ("ㄷㅌㄸ", 2), ("ㅂㅍㅃ", 2), ("ㅈㅊㅉ", 2), ("ㅅㅆ", 2),
    # the breathy ones, as loanword h and k are heard (the ㄱ/ㅋ/ㅎ), less often;
    ("ㄱㅎ", 1), ("ㅋㅎ", 1),
    # ㄹ and ㄴ, which a word-initial ㄹ is said as (두음법칙: 라보엠 said 나보엠), and
    # ㄹ/ㄴ heard as each other inside words (신라 said 실라).
    ("ㄹㄴ", 2))
# ...and 두음법칙 again: before ㅣ and the y-vowels an initial ㄹ or ㄴ is silent (리어왕
# said 이어왕, 류덕환 유덕환), so it is typed ㅇ; one way only, nobody says ㅇ as ㄹ.
SILENT_BEFORE = set("ㅣㅑㅕㅛㅠㅒㅖ")
# A final consonant is said as one of three (받침 neutralisation), so a final is typed as
# another of its sound (벳/벧, 꽃/꼿, 덮/덥).
SOUND_FINAL = sound_links(("ㄱㅋㄲ", 2), ("ㄷㅅㅆㅈㅊㅌ", 2), ("ㅂㅍ", 2))
SOUND_VOWEL = sound_links(
    # merged in today's Seoul speech: ㅐ/ㅔ, ㅒ/ㅖ, and ㅚ/ㅙ/ㅞ (all [we]);
    ("ㅐㅔ", 2), ("ㅒㅖ", 2), ("ㅚㅙㅞ", 2),
    # ㅖ said ㅔ after most consonants (계명 said 게명);
    ("ㅔㅖ", 1),
    # close in sound or in how a loanword's vowel is spelled: ㅗ/ㅜ (삼촌/삼춘), ㅓ/ㅗ
    # (the English o), ㅕ/ㅛ, ㅜ/ㅠ (드라큘라/드라쿨라, 뮤/무).
    ("ㅗㅜ", 1), ("ㅓㅗ", 1), ("ㅕㅛ", 1), ("ㅜㅠ", 1))
# ㅢ is said ㅣ after a consonant and inside words (희망 said 히망): typed ㅣ, not back.
SOUND_VOWEL.setdefault("ㅢ", []).append(("ㅣ", 2))
# How a one-jamo typo is made, once the spot is chosen: a neighbouring key, shift, or
# the sound, whichever apply there, equally; names typed from memory miss by sound as
# often as by finger (조승우 typed 초승우 or 조승오).
HOW = ["neighbour", "shift", "sound"]


def key_neighbours(key):
    """[(jamo, weight)]: what a finger aiming at `key` (a jamo) hits instead, of the same
    kind (a consonant for a consonant, a vowel for a vowel: a slip across the middle of
    the keyboard is typo_sub's), with shift still held if it was."""
    latin = JAMO_KEY[key]
    shifted = latin.isupper()
    lower = latin.lower()
    row = next(r for r, keys in enumerate(ROWS) if lower in keys)
    at = ROWS[row].index(lower)
    spots = [(row, at - 1, SAME_ROW_NEXT), (row, at + 1, SAME_ROW_NEXT),
             (row, at - 2, SAME_ROW_TWO), (row, at + 2, SAME_ROW_TWO),
             (row - 1, at, OTHER_ROW), (row - 1, at + 1, OTHER_ROW),
             (row + 1, at - 1, OTHER_ROW), (row + 1, at, OTHER_ROW)]
    consonant = lower in CONSONANT_KEYS
    out = []
    for r, i, weight in spots:
        if not (0 <= r < len(ROWS) and 0 <= i < len(ROWS[r])):
            continue
        hit = ROWS[r][i]
        if (hit in CONSONANT_KEYS) != consonant:
            continue
        out.append((KEYS.get(hit.upper(), KEYS[hit]) if shifted else KEYS[hit], weight))
    return out


def jamo_units(word):
    """The word's jamo as [keys, role, next vowel]: a compound vowel is one jamo of two
    keys (ㅘ is ㅗㅏ), a final cluster two jamo; `next vowel` is a first consonant's."""
    units = []
    for ch in word:
        index = ord(ch) - 0xAC00
        jung = JUNG[(index % 588) // 28]
        units.append([[CHO[index // 588]], "cho", COMPOUND_VOWEL.get(jung, jung)])
        units.append([list(jung), "jung", None])
        units.extend([[k], "jong", None] for k in JONG[index % 28])
    return units


def sound_partners(unit):
    keys, role, vowel = unit
    jamo = COMPOUND_VOWEL.get("".join(keys), "".join(keys))
    if role == "jung":
        return SOUND_VOWEL.get(jamo, [])
    if role == "jong":
        return SOUND_FINAL.get(jamo, [])
    partners = list(SOUND_INITIAL.get(jamo, []))
    if jamo in "ㄹㄴ" and vowel in SILENT_BEFORE:
        partners.append(("ㅇ", 2))
    return partners


def weighted(choices, rng):
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def jamo_typo(word, rng, how=None, spot=None):
    """`word` (Hangul syllables) with one jamo wrong, as the 2-set input method shows it:
    at keystroke `spot` (else one chosen evenly over the word's keystrokes, the first
    consonant at its natural rate) and made `how` (else any way that applies there).
    None when no such typo exists there."""
    units = jamo_units(word)
    strokes = [(u, k) for u, unit in enumerate(units) for k in range(len(unit[0]))]
    u, k = strokes[rng.randrange(len(strokes)) if spot is None else spot]
    keys = units[u][0]
    ways = {"neighbour": key_neighbours(keys[k]),
            "shift": [(SHIFT[keys[k]], 1)] if keys[k] in SHIFT else [],
            "sound": sound_partners(units[u])}
    usable = [w for w in ([how] if how else HOW) if ways[w]]
    if not usable:
        return None
    way = rng.choice(usable)
    wrong = weighted(ways[way], rng)
    if way == "sound":
        # A sound is a whole jamo, a compound vowel's two keys too (ㅚ typed ㅞ: ㅜㅔ).
        new_keys = list(next((ks for ks, v in COMPOUND_VOWEL.items() if v == wrong), wrong))
    else:
        new_keys = keys[:k] + [wrong] + keys[k + 1:]
    edited = [key for i, unit in enumerate(units) for key in (new_keys if i == u else unit[0])]
    return compose(edited)


def typable(word):
    """A Hangul word long enough for a fair one-typo query (as typo() says: four keys)."""
    return (len(word) > 0 and all(is_syllable(c) for c in word)
            and len(keystrokes(word)) >= 4)


def title_words(title):
    """The title's words with where they stand: [(start, end, word)]."""
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"[가-힣A-Za-z0-9]+", title)]


def named_by(title):
    """The Hangul words of two syllables or more a person types for a title, its own name
    before the words it is filed under (콘서트); any of them, not only the longest."""
    words = [w for w in title_words(title) if len(w[2]) >= 2 and all(is_syllable(c) for c in w[2])]
    own = [w for w in words if w[2] not in TITLE_NOISE]
    return own or words


def replaced(title, spot, typed):
    start, end, _ = spot
    return title[:start] + typed + title[end:]


def fair(typed, original, known, loose_ok=True):
    """A typo, not another right query: it changed something, is no title, alias or cast
    name of the demo, and (where asked) left no loose jamo."""
    return (typed is not None and typed != original and typed not in known
            and (loose_ok or not LOOSE_JAMO.search(typed)))


# A cast entry that names no one: nobody types it from memory.
NOT_A_NAME = {"오리지널 투어 캐스트"}
FIRST_KINDS = {"first_shift": "shift", "first_neighbour": "neighbour", "first_sound": "sound"}


def first_consonant_typos(title, known, rng):
    """The first consonant of a title word typed wrong, one way per kind, in a word it
    can be typed wrong in (ㅇ has no shift, ㅁ no similar sound); the rest as typed."""
    for kind, how in FIRST_KINDS.items():
        spots = [s for s in named_by(title) if typable(s[2])]
        rng.shuffle(spots)
        for spot in spots:
            found = None
            for _ in range(20):
                typed = jamo_typo(spot[2], rng, how=how, spot=0)
                query = replaced(title, spot, typed) if typed else None
                # A tense first consonant said for a plain one (뜨라큘라) is also a shift
                # slip, first_shift's: first_sound keeps to what shift cannot do (코스트).
                if how == "sound" and typed and keystrokes(typed[0])[0] == SHIFT.get(
                        keystrokes(spot[2][0])[0]):
                    continue
                if fair(typed, spot[2], known, loose_ok=False) and query not in known:
                    found = query
                    break
            if found:
                yield kind, found
                break


def word_typo(title, known, rng):
    """One jamo wrong anywhere in one title word (typo_jamo)."""
    spots = [s for s in named_by(title) if typable(s[2])]
    if not spots:
        return None
    spot = rng.choice(spots)
    for _ in range(50):
        typed = jamo_typo(spot[2], rng)
        if fair(typed, spot[2], known) and replaced(title, spot, typed) not in known:
            return replaced(title, spot, typed)
    return None


def swap_two(title, aliases, known, rng):
    """A two-syllable title word with its syllables swapped (벤허 → 허벤), and each
    two-syllable alias swapped too (노담 → 담노): few titles have a two-syllable word."""
    spots = [s for s in named_by(title) if len(s[2]) == 2 and s[2][0] != s[2][1]]
    word = None
    if spots:
        spot = rng.choice(spots)
        word = spot[2]
        query = replaced(title, spot, word[::-1])
        if fair(word[::-1], word, known) and query not in known:
            yield query
    for alias in aliases:
        if (len(alias) == 2 and alias != word and all(is_syllable(c) for c in alias)
                and fair(alias[::-1], alias, known)):
            yield alias[::-1]


def name_to_type(solo, rng):
    """A cast member who plays in this production only, and the word of their name to
    mistype: a three-syllable Hangul name (most are), else another Hangul name, else a
    name of several words (팀 버튼) and one of them. None if there is none."""
    def hangul(name):
        return all(is_syllable(c) for c in name)
    solo = [n for n in solo if n not in NOT_A_NAME]
    tiers = [[(n, n) for n in solo if len(n) == 3 and hangul(n)],
             [(n, n) for n in solo if typable(n)],
             [(n, w) for n in solo if " " in n for w in n.split() if typable(w)]]
    tier = next((t for t in tiers if t), None)
    return rng.choice(tier) if tier else None


def cast_typos(title, solo, known, rng):
    """A cast member's name with one jamo wrong (cast_typo), and beside a word of the
    title, in either order (cast_typo_title)."""
    picked = name_to_type(solo, rng)
    if not picked:
        return
    name, word = picked
    for _ in range(50):
        typed_word = jamo_typo(word, rng)
        typed = name.replace(word, typed_word, 1) if typed_word else None
        if fair(typed_word, word, known) and fair(typed, name, known):
            break
    else:
        return
    yield "cast_typo", typed
    # The title's own word, not the person's name in it (아이유 콘서트 → 콘서트, not 아이유;
    # 피카소와 20세기 거장들 → 거장들, not 피카소와).
    others = [w for _, _, w in title_words(title)
              if not any(w in part or part in w for part in name.split())]
    hangul = [w for w in others if len(w) >= 2 and all(is_syllable(c) for c in w)]
    pick = [w for w in hangul if w not in TITLE_NOISE] or hangul or others
    if pick:
        beside = rng.choice(pick)
        yield "cast_typo_title", f"{typed} {beside}" if rng.random() < 0.5 else f"{beside} {typed}"


def queries_v3(title, aliases, solo, known, rngs):
    """Search v3's kinds for one production, each family from its own generator."""
    yield from first_consonant_typos(title, known, rngs["first"])
    query = word_typo(title, known, rngs["jamo"])
    if query:
        yield "typo_jamo", query
    for query in swap_two(title, aliases, known, rngs["swap"]):
        yield "swap_two", query
    yield from cast_typos(title, solo, known, rngs["cast"])


def main():
    args = arguments()
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
    seed = args.seed_offset
    rng = random.Random(20261121 + seed)
    rng_v2 = random.Random(20261201 + seed)
    rng_cast = random.Random(20261202 + seed)
    rng_alias = random.Random(20261203 + seed)
    rngs_v3 = {"first": random.Random(20261301 + seed), "jamo": random.Random(20261302 + seed),
               "swap": random.Random(20261303 + seed), "cast": random.Random(20261304 + seed)}
    lines = [
        "# The search benchmark's labelled queries: kind, query, intended title (none: a negative).",
        "# Written by tests/data/make_search_queries.py (seeded); edit that, not this.",
    ]
    if seed:
        lines.append(f"# Held out: every seed offset by {seed}; not the committed set.")
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
    # Search v3's kinds, after everything else: the lines above keep their places.
    # A typo that is itself a title, an alias or a cast name is a right query, not a typo.
    known = ({t for t, *_ in shows} | {a for names in aliases.values() for a in names}
             | set(productions_of))
    for title, _, _, _, cast in shows:
        solo = [a for a in cast if only_show_of.get(a) == title]
        for kind, query in queries_v3(title, aliases.get(title, []), solo, known, rngs_v3):
            lines.append(f"{kind}\t{query}\t{title}")
    out = args.out
    out.write_text("\n".join(lines) + "\n")
    header = sum(line.startswith("#") for line in lines)
    print(f"{len(lines) - header} queries for {len(shows)} titles -> {out}")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="added to every seed: another draw of the same kinds, held out")
    parser.add_argument("--out", type=Path, default=ROOT / "tests/data/search_queries.tsv",
                        help="where to write (default: the committed set)")
    return parser.parse_args()


if __name__ == "__main__":
    main()

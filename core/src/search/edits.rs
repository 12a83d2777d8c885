//! How many edits a term is from a key, read a byte at a time while a term dictionary
//! is walked, counting at most two.
//!
//! A Levenshtein DFA answers each byte with one table look-up, but building it for a
//! key writes a 256-entry row for every state it can reach: for a long key allowed two
//! typos, hundreds of states and a megabyte of tables, built afresh for every search.
//! At 20,000 shows that building was a quarter of the slowest searches' time, where the
//! walk itself reads only a few thousand bytes. Here nothing is built: a walk keeps the
//! few cells of the edit-distance table that can still be two or less (the band of
//! width five around the diagonal, and the row before it for transpositions) and
//! computes the next ones as each character arrives.
//!
//! The distance is the optimal string alignment one (`strsim::osa_distance`, which the
//! highlighter uses): insertions, deletions, substitutions and swaps of two adjacent
//! characters, each one edit, counted in characters, not bytes.

/// The most edits told apart; anything more reads as `MAX + 1`.
pub const MAX: u8 = 2;
const FAR: u8 = MAX + 1;
/// Cells kept per row: the key positions within `MAX` of the characters read.
const WIDTH: usize = 2 * MAX as usize + 1;

/// A key, as the characters the table compares.
#[derive(Debug, Clone)]
pub struct Edits {
    key: Box<[char]>,
}

/// Where reading a term has got to: the table's last two rows near the diagonal, the
/// last character read, and the bytes of a character not read whole yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Characters read.
    read: u32,
    /// `cells[c]`: the edits between the first `read` characters of the term and the
    /// first `read - MAX + c` of the key (`FAR` where that is more than `MAX` or no
    /// such prefix exists).
    cells: [u8; WIDTH],
    /// The same for the row before, `read - 1` characters.
    before: [u8; WIDTH],
    last: char,
    /// A character's bytes so far, and how many are still to come.
    partial: u32,
    pending: u8,
}

impl Edits {
    pub fn new(key: &str) -> Edits {
        Edits {
            key: key.chars().collect(),
        }
    }

    /// Nothing read yet: the key's first `i` characters are `i` deletions away.
    pub fn start(&self) -> Row {
        let mut cells = [FAR; WIDTH];
        for (c, cell) in cells.iter_mut().enumerate().skip(MAX as usize) {
            let i = c - MAX as usize;
            if i <= self.key.len() {
                *cell = i as u8;
            }
        }
        Row {
            read: 0,
            cells,
            before: [FAR; WIDTH],
            last: '\0',
            partial: 0,
            pending: 0,
        }
    }

    /// `row` after one more byte of the term. Bytes that do not make a character of
    /// valid UTF-8 count as a character each, so nothing read can stall the table.
    pub fn step(&self, row: &Row, byte: u8) -> Row {
        let broken;
        let row = if row.pending > 0 && byte & 0xC0 != 0x80 {
            broken = self.step_char(row, char::REPLACEMENT_CHARACTER);
            &broken
        } else {
            row
        };
        if row.pending > 0 {
            let partial = (row.partial << 6) | u32::from(byte & 0x3F);
            if row.pending > 1 {
                return Row {
                    partial,
                    pending: row.pending - 1,
                    ..*row
                };
            }
            let c = char::from_u32(partial).unwrap_or(char::REPLACEMENT_CHARACTER);
            return self.step_char(row, c);
        }
        let (partial, pending) = match byte {
            0xC0..=0xDF => (u32::from(byte & 0x1F), 1),
            0xE0..=0xEF => (u32::from(byte & 0x0F), 2),
            0xF0..=0xF7 => (u32::from(byte & 0x07), 3),
            _ => return self.step_char(row, char::from(byte)),
        };
        Row {
            partial,
            pending,
            ..*row
        }
    }

    fn step_char(&self, row: &Row, c: char) -> Row {
        let n = self.key.len() as i64;
        // The new row's first cell is key position `read + 1 - MAX`.
        let first = i64::from(row.read) + 1 - i64::from(MAX);
        let mut cells = [FAR; WIDTH];
        for k in 0..WIDTH {
            let i = first + k as i64;
            if i < 0 || i > n {
                continue;
            }
            if i == 0 {
                cells[k] = (row.read + 1).min(u32::from(FAR)) as u8;
                continue;
            }
            let key_char = self.key[(i - 1) as usize];
            // The term's character left over, the key's character left out, the two
            // compared, or the two swapped with the characters before them.
            let mut best = row.cells.get(k + 1).map_or(FAR, |&d| d.saturating_add(1));
            if k > 0 {
                best = best.min(cells[k - 1].saturating_add(1));
            }
            best = best.min(row.cells[k].saturating_add(u8::from(key_char != c)));
            if i >= 2 && row.read >= 1 && key_char == row.last && self.key[(i - 2) as usize] == c {
                best = best.min(row.before[k].saturating_add(1));
            }
            cells[k] = best.min(FAR);
        }
        Row {
            read: row.read + 1,
            cells,
            before: row.cells,
            last: c,
            partial: 0,
            pending: 0,
        }
    }

    /// The edits between what was read and the whole key, when `MAX` or fewer.
    pub fn distance(&self, row: &Row) -> Option<u8> {
        if row.pending > 0 {
            return None;
        }
        let c = self.key.len() as i64 - i64::from(row.read) + i64::from(MAX);
        let d = *usize::try_from(c).ok().and_then(|c| row.cells.get(c))?;
        (d <= MAX).then_some(d)
    }

    /// The fewest edits any term that starts with what was read can be from the key:
    /// a walk goes no deeper once this is more than it allows.
    /// Mid-character, that is the row before the character began.
    pub fn fewest(&self, row: &Row) -> u8 {
        row.cells.iter().copied().min().unwrap_or(FAR)
    }

    /// The edits between `term` and the key, when `MAX` or fewer.
    pub fn distance_to(&self, term: &[u8]) -> Option<u8> {
        let mut row = self.start();
        for &byte in term {
            row = self.step(&row, byte);
            if self.fewest(&row) > MAX {
                return None;
            }
        }
        self.distance(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(key: &str, term: &str) -> Option<u8> {
        Edits::new(key).distance_to(term.as_bytes())
    }

    #[test]
    fn counts_each_kind_of_edit_once() {
        assert_eq!(distance("chicago", "chicago"), Some(0));
        assert_eq!(distance("chicago", "chicaga"), Some(1));
        assert_eq!(distance("chicago", "chicag"), Some(1));
        assert_eq!(distance("chicago", "chicagos"), Some(1));
        assert_eq!(distance("chicago", "chiacgo"), Some(1));
        assert_eq!(distance("chicago", "hcicaog"), Some(2));
        assert_eq!(distance("chicago", "chxcxgo"), Some(2));
        assert_eq!(distance("chicago", "cxxcxgo"), None);
        assert_eq!(distance("chicago", "boston"), None);
        assert_eq!(distance("", ""), Some(0));
        assert_eq!(distance("", "ab"), Some(2));
        assert_eq!(distance("ab", ""), Some(2));
        assert_eq!(distance("abc", ""), None);
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(distance("ㅅㅣㅋㅏㄱㅗ", "ㅅㅣㅎㅏㄱㅗ"), Some(1));
        assert_eq!(distance("ㅅㅣㅋㅏㄱㅗ", "ㅅㅣㅋㅏㄱ"), Some(1));
        assert_eq!(distance("ㅅㅣㅋㅏㄱㅗ", "ㅅㅋㅣㅏㄱㅗ"), Some(1));
        assert_eq!(distance("caf", "café"), Some(1));
        assert_eq!(distance("café", "cafe"), Some(1));
        assert_eq!(distance("a😀b", "ab"), Some(1));
    }

    #[test]
    fn bytes_that_are_no_character_still_count() {
        let edits = Edits::new("ab");
        assert_eq!(edits.distance_to(&[b'a', 0x80, b'b']), Some(1));
        assert_eq!(edits.distance_to(&[b'a', 0xE3, b'b']), Some(1));
        assert_eq!(edits.distance_to(&[b'a', b'b', 0xE3]), None);
    }

    /// Every pair of short words over a small alphabet, against strsim's OSA distance:
    /// the band and the clamping must never change an answer of two or less.
    #[test]
    fn agrees_with_the_optimal_string_alignment_distance() {
        let alphabet = ['a', 'b', 'c', 'ㅅ'];
        let mut words = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for word in &frontier {
                for c in alphabet {
                    next.push(format!("{word}{c}"));
                }
            }
            words.extend(next.iter().cloned());
            frontier = next;
        }
        let keys: Vec<&String> = words.iter().step_by(7).collect();
        for key in keys {
            let edits = Edits::new(key);
            for term in &words {
                let expected = strsim::osa_distance(key, term);
                let expected = (expected <= usize::from(MAX)).then_some(expected as u8);
                assert_eq!(edits.distance_to(term.as_bytes()), expected, "{key} {term}");
            }
        }
    }

    #[test]
    fn a_walk_stops_where_no_term_can_come_within_two() {
        let edits = Edits::new("chicago");
        let mut row = edits.start();
        for &byte in b"chi" {
            row = edits.step(&row, byte);
        }
        assert_eq!(edits.fewest(&row), 0);
        for &byte in b"xyz" {
            row = edits.step(&row, byte);
        }
        assert!(edits.fewest(&row) > MAX);
    }
}

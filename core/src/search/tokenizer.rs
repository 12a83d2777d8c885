//! The Tantivy side of the analysis: tokenizers that turn a stored text into its match
//! keys, so a document is indexed from its plain title and the index never disagrees
//! with the query side (both call `analysis`).
//!
//! This is the small adapter over lindera 6.2 the project writes itself rather than
//! pulling `lindera-tantivy` (which brings lindera 5 and another dictionary build).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::analysis::{self, Key};
use super::spelling::Spelling;

/// Name under which the keystroke-key tokenizer is registered on the index.
pub const MATCH_KEYS: &str = "marquee_match_keys";
/// Name under which the tokenizer of a title's words, stems and compact whole
/// (`analysis::word_keys`) is registered on the index.
pub const WORD_KEYS: &str = "marquee_word_keys";
/// Name under which the tokenizer of the pieces of a title's words
/// (`analysis::piece_keys`) is registered on the index.
pub const PIECE_KEYS: &str = "marquee_piece_keys";
/// Name under which the tokenizer of people's names (`analysis::name_keys`) is
/// registered on the index.
pub const NAME_KEYS: &str = "marquee_name_keys";
/// Name under which the initial-consonant tokenizer is registered on the index.
pub const INITIAL_KEYS: &str = "marquee_initial_keys";

#[derive(Clone, Copy, Debug)]
pub enum KeyKind {
    Match,
    Words,
    Pieces,
    Names,
    Initials,
}

/// Emits one token per key of the text (see `analysis::match_keys`), spelled as the
/// index it writes spells keys.
#[derive(Clone, Debug)]
pub struct KeysTokenizer {
    kind: KeyKind,
    spelling: Spelling,
    token: Token,
}

impl KeysTokenizer {
    pub fn new(kind: KeyKind, spelling: Spelling) -> Self {
        KeysTokenizer {
            kind,
            spelling,
            token: Token::default(),
        }
    }
}

impl Tokenizer for KeysTokenizer {
    type TokenStream<'a> = KeysStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KeysStream<'a> {
        let keys = match self.kind {
            KeyKind::Match => analysis::match_keys(text),
            KeyKind::Words => analysis::word_keys(text),
            KeyKind::Pieces => analysis::piece_keys(text),
            KeyKind::Names => analysis::name_keys(text),
            // Initials and syllable variants: the keys only ever matched exactly.
            KeyKind::Initials => {
                let mut keys = analysis::initial_keys(text);
                keys.extend(analysis::syllable_variant_keys(text));
                keys
            }
        };
        self.token.reset();
        KeysStream {
            keys: keys.into_iter(),
            spelling: self.spelling,
            token: &mut self.token,
            position: 0,
        }
    }
}

pub struct KeysStream<'a> {
    keys: std::vec::IntoIter<Key>,
    spelling: Spelling,
    token: &'a mut Token,
    position: usize,
}

impl TokenStream for KeysStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(key) = self.keys.next() else {
            return false;
        };
        self.token.text = match self.spelling.spell(&key.text) {
            std::borrow::Cow::Borrowed(_) => key.text,
            std::borrow::Cow::Owned(spelled) => spelled,
        };
        self.token.offset_from = key.start;
        self.token.offset_to = key.end;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokenizer_emits_the_analysis_keys_in_order() {
        let mut tokenizer = KeysTokenizer::new(KeyKind::Match, Spelling::Raw);
        let mut stream = tokenizer.token_stream("시카고를 보자");
        let mut seen = Vec::new();
        while stream.advance() {
            let token = stream.token();
            seen.push((
                token.text.clone(),
                token.offset_from,
                token.offset_to,
                token.position,
            ));
        }
        let expected: Vec<(String, usize, usize, usize)> = analysis::match_keys("시카고를 보자")
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k.text, k.start, k.end, i))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(seen, expected);

        let mut compact = KeysTokenizer::new(KeyKind::Match, Spelling::Compact);
        let mut stream = compact.token_stream("시카고를 보자");
        stream.advance();
        assert_eq!(stream.token().text, Spelling::Compact.spell(&expected[0].0));
    }
}

//! Answer resolution shared by every reader: a letter (`B`, `(B)`) or the exact text of an
//! option becomes the option's index.

use crate::item::{LETTERS, parse_letter};

/// Why an answer does not name one of an item's options.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// A letter past the last option (and not the text of an option either).
    #[error("`{given}` is not one of the {count} options ({})", letter_list(.count))]
    LetterOutOfRange { given: String, count: usize },
    /// Neither a letter nor the text of an option.
    #[error("`{given}` is neither an option letter ({}) nor the text of an option", letter_list(.count))]
    NotAnOption { given: String, count: usize },
    /// An item whose answer index is past its options.
    #[error("answer index {index} but only {count} options")]
    IndexOutOfRange { index: usize, count: usize },
    /// An answer index that the tokenizer has no letter token for.
    #[error("answer index {index} has no letter token")]
    NoLetterToken { index: usize },
}

/// `A, B, C` for three options.
fn letter_list(count: &usize) -> String {
    LETTERS
        .iter()
        .take(*count)
        .map(char::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves `given` (a letter such as `B` or `(B)`, or the exact text of an option) to the index
/// of one of `options`. A letter within range wins; otherwise the trimmed text must equal an option.
pub fn resolve_answer(given: &str, options: &[String]) -> Result<usize, AnswerError> {
    let letter = parse_letter(given);
    if let Some(k) = letter.filter(|k| *k < options.len()) {
        return Ok(k);
    }
    let text = given.trim();
    if let Some(k) = options.iter().position(|o| o == text) {
        return Ok(k);
    }
    let (given, count) = (given.to_string(), options.len());
    Err(match letter {
        Some(_) => AnswerError::LetterOutOfRange { given, count },
        None => AnswerError::NotAnOption { given, count },
    })
}

/// Whether an answer text marks a hidden answer (empty, or `hidden` as in BLINK's test split).
pub fn is_hidden(given: &str) -> bool {
    let t = given.trim();
    t.is_empty() || t.eq_ignore_ascii_case("hidden")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(o: &[&str]) -> Vec<String> {
        o.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn letters_and_texts_resolve() {
        let o = opts(&["x", "y"]);
        assert_eq!(resolve_answer("B", &o), Ok(1));
        assert_eq!(resolve_answer(" (a) ", &o), Ok(0));
        assert_eq!(resolve_answer(" y ", &o), Ok(1));
        assert_eq!(resolve_answer("C", &opts(&["C", "D"])), Ok(0));
    }

    #[test]
    fn unknown_answers_are_typed_errors() {
        let o = opts(&["x", "y"]);
        let e = resolve_answer("(D)", &o).unwrap_err();
        assert!(matches!(&e, AnswerError::LetterOutOfRange { count: 2, .. }), "{e}");
        assert_eq!(e.to_string(), "`(D)` is not one of the 2 options (A, B)");
        let e = resolve_answer("maybe", &o).unwrap_err();
        assert!(
            matches!(&e, AnswerError::NotAnOption { given, .. } if given == "maybe"),
            "{e}"
        );
        assert!(is_hidden(" Hidden ") && is_hidden("") && !is_hidden("(A)"));
    }
}

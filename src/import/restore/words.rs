//! Word shapes the planner reads to tell a title from a sentence and a list from prose. Pure
//! functions of text; nothing here knows about positions in the summary.

/// Words that start a sentence rather than continue a title.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    "A", "An", "The", "In", "On", "At", "Of", "For", "To", "By", "As", "If", "When", "While",
    "Although", "Because", "So", "But", "And", "Or", "This", "That", "These", "Those", "We", "I",
    "It", "Its", "They", "Their", "Our", "He", "She", "You", "Here", "There", "Now", "Note", "Let",
    "Then", "Also", "However", "Thus", "Hence", "Instead", "Unlike", "Like", "With",
];

/// Words after which a sentence cannot end, so a following `- ` starts a list.
pub(super) const LEAD_INS: &[&str] = &[
    "with",
    "for",
    "of",
    "to",
    "are",
    "is",
    "were",
    "was",
    "be",
    "include",
    "includes",
    "including",
    "like",
    "as",
    "follows",
    "following",
    "namely",
    "from",
    "by",
    "about",
    "between",
    "using",
    "use",
    "uses",
    "e.g.",
    "i.e.",
    "and",
    "or",
    "into",
];

/// A capitalised word with lowercase after its first letter (`The`, `I`, `What's`), not an
/// acronym (`DRAW`, `GANs`).
pub(super) fn looks_like_sentence_start(word: &str) -> bool {
    let mut letters = word.chars().take_while(|c| c.is_alphabetic());
    letters.next().is_some_and(char::is_uppercase) && letters.all(char::is_lowercase)
}

/// Whether a line may start with `text` without becoming markdown syntax.
pub(super) fn safe_line_start(text: &str) -> bool {
    let first = text.chars().next().unwrap_or(' ');
    if "-+*#>=|<~`_".contains(first) {
        return false;
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    !(digits > 0 && matches!(text.as_bytes().get(digits), Some(b'.' | b')')))
}

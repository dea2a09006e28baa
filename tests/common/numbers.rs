// Text with its numbers masked, to check that an edit changed numbers
// only. `tests/export.rs` and `tune`'s unit tests (through `include!`)
// share it.

/// Every number (and the sign before one) as `N`.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let signed = (c == '+' || c == '-') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || signed {
            i += 1;
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_digit() || *d == '_' || *d == '.')
            {
                i += 1;
            }
            out.push('N');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

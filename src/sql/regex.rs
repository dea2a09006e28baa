//! Rust regular expressions rewritten for an engine's regex flavour, or
//! refused. `matches` in a model means the Rust `regex` crate's unanchored
//! search; engines read the same text differently (`\d` is ASCII in RE2,
//! Java's `$` matches before a final newline, PostgreSQL's `.` matches a
//! newline, ...). Each construct is either rewritten to one that matches
//! the same strings or refused with what to write instead: a query never
//! matches other text than the native evaluator does.

/// Why a pattern cannot be said in a dialect, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The construct, as written in the pattern.
    pub construct: String,
    /// What to write instead.
    pub instead: String,
}

impl Refusal {
    fn new(construct: impl Into<String>, instead: impl Into<String>) -> Self {
        Refusal {
            construct: construct.into(),
            instead: instead.into(),
        }
    }
}

/// The regex engines the dialects use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// RE2 (DuckDB, BigQuery).
    Re2,
    /// `java.util.regex` (Spark), run with `(?dU)` prepended.
    Java,
    /// POSIX regular expressions (PostgreSQL's ARE, Snowflake's ERE): a
    /// small common subset, with `.` matching a newline when
    /// `dot_matches_newline`.
    Posix { dot_matches_newline: bool },
}

/// A pattern as the engine should read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    pub pattern: String,
    /// A leading `(?i)` lifted out, for flavours that take the flag apart
    /// (POSIX only; the others keep it in the pattern).
    pub case_insensitive: bool,
}

/// The two-letter (and one-letter) Unicode general categories, the only
/// `\p{..}` names every flavour with Unicode classes reads alike.
const GENERAL_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Co", "Cs", "Cn",
];

/// Rewrites `pattern` for `flavor`.
pub fn translate(pattern: &str, flavor: Flavor) -> Result<Translated, Refusal> {
    let mut rest = pattern;
    let mut case_insensitive = false;
    if let Flavor::Posix { .. } = flavor {
        if let Some(after) = rest.strip_prefix("(?i)") {
            rest = after;
            case_insensitive = true;
        }
    }
    let mut writer = Writer {
        flavor,
        chars: rest.chars().collect(),
        at: 0,
        out: String::new(),
        multi_line: vec![false],
    };
    writer.sequence()?;
    let pattern = match flavor {
        Flavor::Java => format!("(?dU){}", writer.out),
        _ => writer.out,
    };
    Ok(Translated {
        pattern,
        case_insensitive,
    })
}

struct Writer {
    flavor: Flavor,
    chars: Vec<char>,
    at: usize,
    out: String,
    /// Whether `m` is on, one entry per open group.
    multi_line: Vec<bool>,
}

impl Writer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.at += 1;
        c
    }

    fn is_posix(&self) -> bool {
        matches!(self.flavor, Flavor::Posix { .. })
    }

    fn sequence(&mut self) -> Result<(), Refusal> {
        while let Some(c) = self.next() {
            match c {
                '\\' => {
                    let escape = self.escape(false)?;
                    self.out.push_str(&escape);
                }
                '[' => self.class()?,
                '(' => self.group()?,
                ')' => {
                    if self.multi_line.len() > 1 {
                        self.multi_line.pop();
                    }
                    self.out.push(')');
                }
                '.' => match self.flavor {
                    Flavor::Posix {
                        dot_matches_newline: true,
                    } => self.out.push_str("[^\n]"),
                    _ => self.out.push('.'),
                },
                '$' => {
                    let multi = self.multi_line.last().copied().unwrap_or(false);
                    // Java's `$` also matches before a final newline.
                    if self.flavor == Flavor::Java && !multi {
                        self.out.push_str("\\z");
                    } else {
                        self.out.push('$');
                    }
                }
                other => self.out.push(other),
            }
        }
        Ok(())
    }

    /// After `(`: a group, its flags, or a flag setting.
    fn group(&mut self) -> Result<(), Refusal> {
        let inherited = self.multi_line.last().copied().unwrap_or(false);
        if self.peek() != Some('?') {
            self.multi_line.push(inherited);
            self.out.push('(');
            return Ok(());
        }
        self.next();
        // Named groups: only whether the pattern matches is read, so a
        // non-capturing group says the same in every flavour.
        let named = if self.peek() == Some('P') {
            self.next();
            true
        } else {
            self.peek() == Some('<')
        };
        if named {
            if self.next() != Some('<') {
                return Err(Refusal::new(
                    "(?P",
                    "write a named group as `(?P<name>...)`",
                ));
            }
            while let Some(c) = self.next() {
                if c == '>' {
                    break;
                }
            }
            self.multi_line.push(inherited);
            self.out.push_str(self.open_plain());
            return Ok(());
        }
        let mut flags = String::new();
        let mut negated = false;
        let mut multi = inherited;
        loop {
            match self.next() {
                Some(':') => {
                    self.multi_line.push(multi);
                    let kept = self.kept_flags(&flags)?;
                    if kept.is_empty() {
                        self.out.push_str(self.open_plain());
                    } else {
                        self.out.push_str(&format!("(?{kept}:"));
                    }
                    return Ok(());
                }
                Some(')') => {
                    if let Some(top) = self.multi_line.last_mut() {
                        *top = multi;
                    }
                    let kept = self.kept_flags(&flags)?;
                    if !kept.is_empty() {
                        self.out.push_str(&format!("(?{kept})"));
                    }
                    return Ok(());
                }
                Some('-') => {
                    negated = true;
                    flags.push('-');
                }
                Some(f @ ('i' | 'm' | 's' | 'U' | 'u' | 'x' | 'R')) => {
                    if f == 'm' {
                        multi = !negated;
                    }
                    if f == 'u' && negated {
                        return Err(Refusal::new(
                            "(?-u)",
                            "leave Unicode mode on (ASCII-only classes read differently in SQL engines); write the ASCII class itself, such as `[0-9]`",
                        ));
                    }
                    if f == 'x' || f == 'R' {
                        return Err(Refusal::new(
                            format!("the `{f}` flag"),
                            "write the pattern without it (`x`: without spaces and comments)",
                        ));
                    }
                    flags.push(f);
                }
                _ => {
                    return Err(Refusal::new(
                        "(?",
                        "write a group `(...)`, `(?:...)` or the flags `i`, `m`, `s`",
                    ))
                }
            }
        }
    }

    fn open_plain(&self) -> &'static str {
        match self.flavor {
            Flavor::Posix {
                dot_matches_newline: false,
            } => "(",
            _ => "(?:",
        }
    }

    /// The flags of a group as the flavour should see them.
    fn kept_flags(&self, flags: &str) -> Result<String, Refusal> {
        // `u` is always on; `U` only swaps greed, which never changes
        // whether a pattern matches.
        let kept: String = flags.chars().filter(|f| !matches!(f, 'u' | 'U')).collect();
        let kept = if kept == "-" { String::new() } else { kept };
        let kept = kept.trim_end_matches('-').to_string();
        if self.is_posix() && !kept.is_empty() {
            return Err(Refusal::new(
                format!("the flags `(?{flags})`"),
                "write a single `(?i)` at the very start of the pattern, or no flags",
            ));
        }
        Ok(kept)
    }

    /// After `[`: a character class, written out up to its `]`.
    fn class(&mut self) -> Result<(), Refusal> {
        self.out.push('[');
        if self.peek() == Some('^') {
            self.next();
            self.out.push('^');
        }
        if self.peek() == Some(']') {
            return Err(Refusal::new("`]` first in a class", "escape it: `[\\]a]`"));
        }
        let mut previous = None;
        while let Some(c) = self.next() {
            match c {
                ']' => {
                    self.out.push(']');
                    return Ok(());
                }
                '[' => {
                    let construct = if self.peek() == Some(':') {
                        "a POSIX class `[[:name:]]`"
                    } else {
                        "a class inside a class"
                    };
                    return Err(Refusal::new(
                        construct,
                        "list the characters or ranges themselves (`[a-zA-Z]`), or a general category such as `\\p{L}`",
                    ));
                }
                '&' | '-' | '~' if previous == Some(c) => {
                    return Err(Refusal::new(
                        format!("the class operator `{c}{c}`"),
                        "list the characters the class should hold",
                    ));
                }
                '\\' => {
                    let escape = self.escape(true)?;
                    self.out.push_str(&escape);
                }
                other => self.out.push(other),
            }
            previous = Some(c);
        }
        Ok(())
    }

    /// After `\`: the escape in the flavour's spelling.
    fn escape(&mut self, in_class: bool) -> Result<String, Refusal> {
        let Some(c) = self.next() else {
            return Ok("\\\\".to_string());
        };
        let flavor = self.flavor;
        let refuse_class =
            |name: &str, what: &str| Refusal::new(format!("`\\{name}`"), what.to_string());
        match c {
            'd' | 'D' => match flavor {
                Flavor::Re2 => Ok(if c == 'd' { "\\p{Nd}" } else { "\\P{Nd}" }.to_string()),
                Flavor::Java => Ok(format!("\\{c}")),
                Flavor::Posix { .. } => Err(refuse_class(
                    &c.to_string(),
                    "write `[0-9]` for ASCII digits (this engine has no Unicode digit class)",
                )),
            },
            's' | 'S' => match flavor {
                Flavor::Re2 if c == 's' && !in_class => Ok(super::dialect::white_space_class()),
                Flavor::Re2 if c == 's' => {
                    let class = super::dialect::white_space_class();
                    Ok(class
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string())
                }
                Flavor::Re2 if !in_class => {
                    let class = super::dialect::white_space_class();
                    Ok(format!("[^{}", class.trim_start_matches('[')))
                }
                Flavor::Java => Ok(format!("\\{c}")),
                _ => Err(refuse_class(
                    &c.to_string(),
                    "write the white space meant, such as `[ \\t]`",
                )),
            },
            'w' | 'W' => match flavor {
                Flavor::Java => Ok(format!("\\{c}")),
                _ => Err(refuse_class(
                    &c.to_string(),
                    "write the class meant, such as `[A-Za-z0-9_]` or `[\\p{L}\\p{Nd}_]`",
                )),
            },
            'b' | 'B' | '<' | '>' => Err(Refusal::new(
                format!("the word boundary `\\{c}`"),
                "match the characters around the word instead, such as `(^|[^a-z])word([^a-z]|$)`",
            )),
            'p' | 'P' => {
                let name = if self.peek() == Some('{') {
                    self.next();
                    let mut name = String::new();
                    while let Some(n) = self.next() {
                        if n == '}' {
                            break;
                        }
                        name.push(n);
                    }
                    name
                } else {
                    self.next().map(String::from).unwrap_or_default()
                };
                if self.is_posix() {
                    return Err(Refusal::new(
                        format!("`\\{c}{{{name}}}`"),
                        "list the characters or ranges meant, such as `[a-zA-Z]`",
                    ));
                }
                if !GENERAL_CATEGORIES.contains(&name.as_str()) {
                    return Err(Refusal::new(
                        format!("`\\{c}{{{name}}}`"),
                        "write a Unicode general category by its short name, such as `\\p{Lu}` or `\\p{L}`",
                    ));
                }
                Ok(format!("\\{c}{{{name}}}"))
            }
            'x' | 'u' | 'U' => {
                let point = self.hex_code_point(c)?;
                Ok(self.literal(point))
            }
            'n' => Ok(self.literal('\n')),
            't' => Ok(self.literal('\t')),
            'r' => Ok(self.literal('\r')),
            'f' => Ok(self.literal('\u{c}')),
            'v' => Ok(self.literal('\u{b}')),
            'a' => Ok(self.literal('\u{7}')),
            'A' => Ok(match flavor {
                Flavor::Posix { .. } => "^".to_string(),
                _ => "\\A".to_string(),
            }),
            'z' => Ok(match flavor {
                Flavor::Posix { .. } => "$".to_string(),
                _ => "\\z".to_string(),
            }),
            other if other.is_ascii_alphanumeric() => Err(Refusal::new(
                format!("`\\{other}`"),
                "write the characters meant without this escape",
            )),
            // An escaped symbol is that symbol in every flavour.
            other if other.is_ascii() => Ok(format!("\\{other}")),
            other => Ok(self.literal(other)),
        }
    }

    /// `\x7F`, `\x{7F}`, `\u007F`, `\U0000007F` and braced forms.
    fn hex_code_point(&mut self, kind: char) -> Result<char, Refusal> {
        let digits: String = if self.peek() == Some('{') {
            self.next();
            let mut digits = String::new();
            while let Some(d) = self.next() {
                if d == '}' {
                    break;
                }
                digits.push(d);
            }
            digits
        } else {
            let width = match kind {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            (0..width).filter_map(|_| self.next()).collect()
        };
        u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| Refusal::new(format!("`\\{kind}{digits}`"), "write a valid code point"))
    }

    /// One character matched literally, in the flavour's spelling.
    fn literal(&self, c: char) -> String {
        match self.flavor {
            Flavor::Re2 | Flavor::Java => super::dialect::regex_code_point(c),
            Flavor::Posix { .. } if c.is_ascii_alphanumeric() || !c.is_ascii() => c.to_string(),
            Flavor::Posix { .. } if c.is_ascii_control() => c.to_string(),
            Flavor::Posix { .. } => format!("\\{c}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re2(p: &str) -> Result<String, Refusal> {
        translate(p, Flavor::Re2).map(|t| t.pattern)
    }

    #[test]
    fn unicode_digits_and_space_are_spelt_out_for_re2() {
        assert_eq!(re2("\\d+").as_deref(), Ok("\\p{Nd}+"));
        assert!(re2("\\s").is_ok_and(|p| p.starts_with("[\\x{9}-\\x{D}")));
        assert!(re2("\\w").is_err());
        assert!(re2("\\bword").is_err());
        assert!(re2("[[:alpha:]]").is_err());
        assert_eq!(re2("(?P<x>a)|b").as_deref(), Ok("(?:a)|b"));
    }

    #[test]
    fn java_dollar_is_the_end_of_text_unless_multi_line() {
        let java = |p: &str| translate(p, Flavor::Java).map(|t| t.pattern);
        assert_eq!(java("a$").as_deref(), Ok("(?dU)a\\z"));
        assert_eq!(java("(?m)a$").as_deref(), Ok("(?dU)(?m)a$"));
        assert_eq!(java("(?m:a$)b$").as_deref(), Ok("(?dU)(?m:a$)b\\z"));
        assert_eq!(java("[$]").as_deref(), Ok("(?dU)[$]"));
    }

    #[test]
    fn posix_takes_a_leading_case_flag_and_a_small_subset() {
        let pg = |p: &str| {
            translate(
                p,
                Flavor::Posix {
                    dot_matches_newline: true,
                },
            )
        };
        let translated = pg("(?i)^a.b\\.c$");
        assert_eq!(
            translated,
            Ok(Translated {
                pattern: "^a[^\n]b\\.c$".to_string(),
                case_insensitive: true
            })
        );
        assert!(pg("a(?i)b").is_err());
        assert!(pg("\\d").is_err());
        assert!(pg("\\p{L}").is_err());
    }
}

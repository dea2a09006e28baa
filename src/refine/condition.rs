//! `--fail-if`: a condition over a report's figures, such as
//! `mql.entered + mql.left > 50`. Figures are dotted names; conditions
//! combine comparisons of sums, differences, products and quotients with
//! `and`, `or`, `not` and parentheses.

use std::collections::BTreeMap;

use crate::codes::Code;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::source::Span;

/// A parsed condition, checked against the figures a report will have.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Figure(String),
    Negate(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Condition,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    /// A dotted name; the text as written.
    Name(String),
    Op(&'static str),
    Open,
    Close,
    And,
    Or,
    Not,
    End,
}

/// Parses `text` (file `file` of a source map holding it) and checks every
/// figure it names against `known`.
pub fn parse(text: &str, file: usize, known: &BTreeMap<String, f64>) -> Result<Expr, Diagnostic> {
    let tokens = lex(text, file)?;
    too_deep(&tokens)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        file,
        known,
    };
    let (expr, kind, span) = parser.or()?;
    if let Some((token, at)) = parser.peek_with_span() {
        if *token != Token::End {
            return Err(syntax(at, "`and`, `or`, an operator or the end"));
        }
    }
    if kind != Kind::Condition {
        return Err(Diagnostic::new(
            Code::FailIfNotACondition,
            span,
            "`--fail-if` needs a condition, not a number",
        )
        .label("this is a number")
        .help("compare it with a limit: `mql.entered > 50`"));
    }
    Ok(expr)
}

/// Evaluates a parsed condition; a figure missing from `figures` is 0.
pub fn holds(expr: &Expr, figures: &BTreeMap<String, f64>) -> bool {
    value(expr, figures) != 0.0
}

fn value(expr: &Expr, figures: &BTreeMap<String, f64>) -> f64 {
    let truth = |b: bool| if b { 1.0 } else { 0.0 };
    match expr {
        Expr::Number(n) => *n,
        Expr::Figure(name) => figures.get(name).copied().unwrap_or(0.0),
        Expr::Negate(e) => -value(e, figures),
        Expr::Arith(op, a, b) => {
            let (a, b) = (value(a, figures), value(b, figures));
            match op {
                ArithOp::Add => a + b,
                ArithOp::Subtract => a - b,
                ArithOp::Multiply => a * b,
                ArithOp::Divide => a / b,
            }
        }
        Expr::Compare(op, a, b) => {
            let (a, b) = (value(a, figures), value(b, figures));
            truth(match op {
                CompareOp::Less => a < b,
                CompareOp::LessEqual => a <= b,
                CompareOp::Greater => a > b,
                CompareOp::GreaterEqual => a >= b,
                CompareOp::Equal => a == b,
                CompareOp::NotEqual => a != b,
            })
        }
        Expr::And(a, b) => truth(holds(a, figures) && holds(b, figures)),
        Expr::Or(a, b) => truth(holds(a, figures) || holds(b, figures)),
        Expr::Not(e) => truth(!holds(e, figures)),
    }
}

/// The figures a condition reads, in order of first use.
pub fn figures_read(expr: &Expr) -> Vec<&str> {
    let mut names = Vec::new();
    collect(expr, &mut names);
    names
}

fn collect<'a>(expr: &'a Expr, names: &mut Vec<&'a str>) {
    match expr {
        Expr::Number(_) => {}
        Expr::Figure(name) => {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        Expr::Negate(e) | Expr::Not(e) => collect(e, names),
        Expr::Arith(_, a, b) | Expr::Compare(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
            collect(a, names);
            collect(b, names);
        }
    }
}

fn syntax(at: Span, expected: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FailIfSyntax,
        at,
        format!("`--fail-if` expected {expected}"),
    )
    .label(format!("expected {expected}"))
    .help("write a comparison of figures and numbers, such as `mql.entered + mql.left > 50`; combine comparisons with `and`, `or`, `not`")
}

/// Deeper nesting than any condition needs: parsing and evaluating
/// recurse, and a hostile `--fail-if` of 40,000 `(` must not overflow the
/// stack.
const MAX_NESTING: usize = 100;

/// Rejects a condition nested past [`MAX_NESTING`]: brackets, and runs of
/// `not` and `-`, each of which nests what follows it.
fn too_deep(tokens: &[(Token, Span)]) -> Result<(), Diagnostic> {
    let (mut depth, mut prefixes) = (0usize, 0usize);
    for (token, span) in tokens {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        if matches!(token, Token::Not | Token::Op("-")) {
            prefixes += 1;
        } else if !matches!(token, Token::Open) {
            prefixes = 0;
        }
        if depth + prefixes > MAX_NESTING {
            return Err(Diagnostic::new(
                Code::FailIfSyntax,
                *span,
                "`--fail-if` nests too deeply",
            )
            .label(format!("more than {MAX_NESTING} levels deep"))
            .help("a condition needs a few brackets at most: `(mql.entered > 5 or mql.left > 5) and leads > 100`"));
        }
    }
    Ok(())
}

fn lex(text: &str, file: usize) -> Result<Vec<(Token, Span)>, Diagnostic> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b' ');
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let token = if c.is_ascii_digit() {
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'.' || *b == b'_')
            {
                i += 1;
            }
            let literal = text.get(start..i).unwrap_or("").replace('_', "");
            match literal.parse::<f64>() {
                Ok(n) => Token::Number(n),
                Err(_) => return Err(syntax(Span::new(file, start, i), "a number")),
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
            {
                i += 1;
            }
            match text.get(start..i).unwrap_or("") {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                name => Token::Name(name.to_string()),
            }
        } else if c == b'"' {
            // A quoted name, for label values that are not identifiers:
            // `"route.tier 1.entered"`.
            let Some(length) = text.get(i + 1..).and_then(|rest| rest.find('"')) else {
                return Err(syntax(Span::new(file, start, text.len()), "a closing `\"`"));
            };
            i += length + 2;
            Token::Name(text.get(start + 1..i - 1).unwrap_or("").to_string())
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let (token, len) = match two {
                ">=" => (Token::Op(">="), 2),
                "<=" => (Token::Op("<="), 2),
                "==" => (Token::Op("="), 2),
                "!=" => (Token::Op("!="), 2),
                "&&" => (Token::And, 2),
                "||" => (Token::Or, 2),
                _ => match c {
                    b'>' => (Token::Op(">"), 1),
                    b'<' => (Token::Op("<"), 1),
                    b'=' => (Token::Op("="), 1),
                    b'+' => (Token::Op("+"), 1),
                    b'-' => (Token::Op("-"), 1),
                    b'*' => (Token::Op("*"), 1),
                    b'/' => (Token::Op("/"), 1),
                    b'(' => (Token::Open, 1),
                    b')' => (Token::Close, 1),
                    b'!' => (Token::Not, 1),
                    _ => {
                        let width = text
                            .get(i..)
                            .and_then(|s| s.chars().next())
                            .map_or(1, char::len_utf8);
                        return Err(syntax(
                            Span::new(file, i, i + width),
                            "a figure, a number, an operator or a parenthesis",
                        ));
                    }
                },
            };
            i += len;
            token
        };
        tokens.push((token, Span::new(file, start, i)));
    }
    tokens.push((Token::End, Span::new(file, text.len(), text.len())));
    Ok(tokens)
}

struct Parser<'k> {
    tokens: Vec<(Token, Span)>,
    position: usize,
    file: usize,
    known: &'k BTreeMap<String, f64>,
}

type Parsed = (Expr, Kind, Span);

impl Parser<'_> {
    fn peek_with_span(&self) -> Option<(&Token, Span)> {
        self.tokens.get(self.position).map(|(t, s)| (t, *s))
    }

    fn peek(&self) -> &Token {
        self.tokens
            .get(self.position)
            .map_or(&Token::End, |(t, _)| t)
    }

    fn span(&self) -> Span {
        self.tokens
            .get(self.position)
            .map_or(Span::new(self.file, 0, 0), |(_, s)| *s)
    }

    fn advance(&mut self) {
        self.position += 1;
    }

    fn or(&mut self) -> Result<Parsed, Diagnostic> {
        let mut left = self.and()?;
        while *self.peek() == Token::Or {
            self.advance();
            let right = self.and()?;
            left = logical(left, right, Expr::Or, "`or`")?;
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Parsed, Diagnostic> {
        let mut left = self.not()?;
        while *self.peek() == Token::And {
            self.advance();
            let right = self.not()?;
            left = logical(left, right, Expr::And, "`and`")?;
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Parsed, Diagnostic> {
        if *self.peek() == Token::Not {
            let start = self.span();
            self.advance();
            let (e, kind, span) = self.not()?;
            expect_kind(kind, Kind::Condition, span, "`not`")?;
            return Ok((Expr::Not(Box::new(e)), Kind::Condition, start.to(span)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Parsed, Diagnostic> {
        let left = self.sum()?;
        let op = match self.peek() {
            Token::Op("<") => CompareOp::Less,
            Token::Op("<=") => CompareOp::LessEqual,
            Token::Op(">") => CompareOp::Greater,
            Token::Op(">=") => CompareOp::GreaterEqual,
            Token::Op("=") => CompareOp::Equal,
            Token::Op("!=") => CompareOp::NotEqual,
            _ => return Ok(left),
        };
        self.advance();
        let right = self.sum()?;
        expect_kind(left.1, Kind::Number, left.2, "a comparison")?;
        expect_kind(right.1, Kind::Number, right.2, "a comparison")?;
        if matches!(self.peek(), Token::Op("<" | "<=" | ">" | ">=" | "=" | "!=")) {
            return Err(syntax(self.span(), "`and` or `or` between two comparisons"));
        }
        let span = left.2.to(right.2);
        Ok((
            Expr::Compare(op, Box::new(left.0), Box::new(right.0)),
            Kind::Condition,
            span,
        ))
    }

    fn sum(&mut self) -> Result<Parsed, Diagnostic> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Token::Op("+") => ArithOp::Add,
                Token::Op("-") => ArithOp::Subtract,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.product()?;
            left = arith(op, left, right)?;
        }
    }

    fn product(&mut self) -> Result<Parsed, Diagnostic> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Token::Op("*") => ArithOp::Multiply,
                Token::Op("/") => ArithOp::Divide,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.unary()?;
            left = arith(op, left, right)?;
        }
    }

    fn unary(&mut self) -> Result<Parsed, Diagnostic> {
        if *self.peek() == Token::Op("-") {
            let start = self.span();
            self.advance();
            let (e, kind, span) = self.unary()?;
            expect_kind(kind, Kind::Number, span, "`-`")?;
            return Ok((Expr::Negate(Box::new(e)), Kind::Number, start.to(span)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Parsed, Diagnostic> {
        let span = self.span();
        match self.peek().clone() {
            Token::Number(n) => {
                self.advance();
                Ok((Expr::Number(n), Kind::Number, span))
            }
            Token::Name(name) => {
                self.advance();
                if !self.known.contains_key(&name) {
                    return Err(self.unknown(&name, span));
                }
                Ok((Expr::Figure(name), Kind::Number, span))
            }
            Token::Open => {
                self.advance();
                let (e, kind, _) = self.or()?;
                if *self.peek() != Token::Close {
                    return Err(syntax(self.span(), "`)`"));
                }
                let end = self.span();
                self.advance();
                Ok((e, kind, span.to(end)))
            }
            _ => Err(syntax(span, "a figure, a number or `(`")),
        }
    }

    fn unknown(&self, name: &str, span: Span) -> Diagnostic {
        let diagnostic = Diagnostic::new(
            Code::UnknownFigure,
            span,
            format!("the report has no figure `{name}`"),
        )
        .label("unknown figure");
        match did_you_mean(name, self.known.keys().map(String::as_str)) {
            Some(close) => diagnostic.help(format!("did you mean `{close}`?")),
            None => {
                let sample: Vec<&str> = self.known.keys().take(6).map(String::as_str).collect();
                diagnostic.help(format!(
                    "figures are named like `{}`; `--format json` shows them all under `figures`",
                    sample.join("`, `")
                ))
            }
        }
    }
}

fn expect_kind(found: Kind, wanted: Kind, span: Span, place: &str) -> Result<(), Diagnostic> {
    if found == wanted {
        return Ok(());
    }
    let (message, label, help) = match wanted {
        Kind::Number => (
            format!("{place} needs a number here, not a condition"),
            "a condition",
            "compare numbers, and combine the comparisons with `and` / `or`",
        ),
        Kind::Condition => (
            format!("{place} needs a condition here, not a number"),
            "a number",
            "compare it with a limit: `mql.entered > 50`",
        ),
    };
    Err(Diagnostic::new(Code::FailIfNotACondition, span, message)
        .label(label)
        .help(help))
}

fn logical(
    left: Parsed,
    right: Parsed,
    make: fn(Box<Expr>, Box<Expr>) -> Expr,
    word: &str,
) -> Result<Parsed, Diagnostic> {
    expect_kind(left.1, Kind::Condition, left.2, word)?;
    expect_kind(right.1, Kind::Condition, right.2, word)?;
    let span = left.2.to(right.2);
    Ok((
        make(Box::new(left.0), Box::new(right.0)),
        Kind::Condition,
        span,
    ))
}

fn arith(op: ArithOp, left: Parsed, right: Parsed) -> Result<Parsed, Diagnostic> {
    let symbol = match op {
        ArithOp::Add => "`+`",
        ArithOp::Subtract => "`-`",
        ArithOp::Multiply => "`*`",
        ArithOp::Divide => "`/`",
    };
    expect_kind(left.1, Kind::Number, left.2, symbol)?;
    expect_kind(right.1, Kind::Number, right.2, symbol)?;
    let span = left.2.to(right.2);
    Ok((
        Expr::Arith(op, Box::new(left.0), Box::new(right.0)),
        Kind::Number,
        span,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn figures() -> BTreeMap<String, f64> {
        [
            ("mql.entered", 30.0),
            ("mql.left", 25.0),
            ("score.mean", 1.5),
            ("grade.A.entered", 4.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn eval(text: &str) -> bool {
        holds(&parse(text, 0, &figures()).unwrap(), &figures())
    }

    fn error(text: &str) -> Diagnostic {
        parse(text, 0, &figures()).unwrap_err()
    }

    #[test]
    fn conditions_over_figures() {
        assert!(eval("mql.entered + mql.left > 50"));
        assert!(!eval("mql.entered + mql.left > 55"));
        assert!(eval("mql.entered + mql.left >= 55"));
        assert!(eval("mql.entered > 100 or score.mean * 2 = 3"));
        assert!(!eval("mql.entered > 10 and not (mql.left > 10)"));
        assert!(eval("-score.mean < 0 && grade.A.entered != 0"));
        assert!(eval("(mql.entered - mql.left) / 5 == 1"));
        assert!(eval("1_000 > mql.entered"));
        assert!(eval("\"grade.A.entered\" = 4"));
    }

    #[test]
    fn precedence_is_arithmetic_then_comparison_then_not_and_or() {
        // 30 > 10 or (25 > 100 and 1 > 2)
        assert!(eval("mql.entered > 10 or mql.left > 100 and 1 > 2"));
        assert!(eval("2 + 3 * 4 = 14"));
    }

    #[test]
    fn unknown_figure_suggests_the_closest() {
        let e = error("mql.enterd > 5");
        assert_eq!(e.code, Code::UnknownFigure);
        assert_eq!((e.span.start, e.span.end), (0, 10));
        assert_eq!(e.help.as_deref(), Some("did you mean `mql.entered`?"));
    }

    #[test]
    fn syntax_errors_point_at_the_spot() {
        let e = error("mql.entered >");
        assert_eq!(e.code, Code::FailIfSyntax);
        assert_eq!((e.span.start, e.span.end), (13, 13));
        let e = error("mql.entered > 5 5");
        assert_eq!((e.span.start, e.span.end), (16, 17));
        let e = error("(mql.entered > 5");
        assert_eq!(e.label, "expected `)`");
        let e = error("mql.entered # 5");
        assert_eq!((e.span.start, e.span.end), (12, 13));
        let e = error("1 < mql.left < 3");
        assert_eq!(e.code, Code::FailIfSyntax);
    }

    #[test]
    fn a_number_is_not_a_condition() {
        let e = error("mql.entered + mql.left");
        assert_eq!(e.code, Code::FailIfNotACondition);
        assert_eq!((e.span.start, e.span.end), (0, 22));
        let e = error("mql.entered > 1 and 5");
        assert_eq!(e.code, Code::FailIfNotACondition);
        assert_eq!((e.span.start, e.span.end), (20, 21));
        let e = error("(mql.left > 1) + 2 > 0");
        assert_eq!(e.code, Code::FailIfNotACondition);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}mql.entered > 1{}",
            "(".repeat(40_000),
            ")".repeat(40_000)
        );
        assert!(error(&deep).message.contains("nests too deeply"));
        let nots = format!("{}mql.entered > 1", "not ".repeat(40_000));
        assert!(error(&nots).message.contains("nests too deeply"));
        assert!(eval(&format!(
            "{}mql.entered > 1{}",
            "(".repeat(50),
            ")".repeat(50)
        )));
    }

    #[test]
    fn figures_read_in_order() {
        let e = parse("mql.left > 1 or mql.entered > mql.left", 0, &figures()).unwrap();
        assert_eq!(figures_read(&e), vec!["mql.left", "mql.entered"]);
    }
}

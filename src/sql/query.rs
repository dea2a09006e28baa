//! The shape of the emitted statement: named stages (CTEs), each a SELECT
//! of commented columns, laid out one column a line so that a change to
//! one rule changes one line of the query.

/// One output column of a stage.
pub struct Column {
    /// `--` lines above the column, already escaped.
    pub comments: Vec<String>,
    pub expr: String,
    /// The quoted alias, or `None` for `*`-like items that carry no name.
    pub alias: Option<String>,
}

impl Column {
    pub fn new(expr: impl Into<String>, alias: impl Into<String>) -> Self {
        Column {
            comments: Vec::new(),
            expr: expr.into(),
            alias: Some(alias.into()),
        }
    }

    /// An item written as is (`s.*`).
    pub fn all(expr: impl Into<String>) -> Self {
        Column {
            comments: Vec::new(),
            expr: expr.into(),
            alias: None,
        }
    }

    pub fn comment(mut self, text: &str) -> Self {
        self.comments.push(comment(text));
        self
    }
}

/// A SELECT: its columns, its FROM clause and what follows it.
pub struct Select {
    pub columns: Vec<Column>,
    pub from: String,
    /// `WHERE ...`, `GROUP BY ...`: one line each.
    pub tail: Vec<String>,
}

impl Select {
    pub fn new(from: impl Into<String>) -> Self {
        Select {
            columns: Vec::new(),
            from: from.into(),
            tail: Vec::new(),
        }
    }

    pub fn push(&mut self, column: Column) {
        self.columns.push(column);
    }

    /// The SELECT indented by `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = format!("{pad}SELECT\n");
        let last = self.columns.len().saturating_sub(1);
        for (i, column) in self.columns.iter().enumerate() {
            for line in &column.comments {
                out.push_str(&format!("{pad}  -- {line}\n"));
            }
            let expr = column.expr.replace('\n', &format!("\n{pad}  "));
            out.push_str(&format!("{pad}  {expr}"));
            if let Some(alias) = &column.alias {
                out.push_str(&format!(" AS {alias}"));
            }
            if i < last {
                out.push(',');
            }
            out.push('\n');
        }
        if !self.from.is_empty() {
            out.push_str(&format!("{pad}FROM {}\n", self.from));
        }
        for line in &self.tail {
            out.push_str(&format!("{pad}{line}\n"));
        }
        out
    }
}

/// A named stage of the query.
pub struct Cte {
    /// The quoted name.
    pub name: String,
    /// What the stage does, one `--` line.
    pub about: String,
    pub select: Select,
}

/// The whole statement: a header, the stages, and the final SELECT.
/// `fence` goes between a stage's name and its body (`MATERIALIZED ` for
/// engines that would otherwise inline every stage into the next).
pub fn render(header: &[String], ctes: &[Cte], last: &Select, fence: &str) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("-- {}\n", comment(line)));
    }
    if !ctes.is_empty() {
        out.push_str("WITH\n");
    }
    for (i, cte) in ctes.iter().enumerate() {
        out.push_str(&format!("-- {}\n", comment(&cte.about)));
        out.push_str(&format!("{} AS {fence}(\n", cte.name));
        out.push_str(&cte.select.render(2));
        out.push(')');
        if i + 1 < ctes.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&last.render(0));
    out
}

/// Text made safe for a `--` comment: line breaks and other control
/// characters are written as escapes (`\n`), so nothing a model names
/// can end the comment and become SQL. Backslashes stay as written: a
/// comment is read, not parsed back.
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::comment;

    #[test]
    fn a_comment_never_holds_a_line_break() {
        let text = comment("a\nDROP TABLE x;\r\u{2028}--\u{85}");
        assert!(!text.contains(['\n', '\r', '\u{2028}', '\u{85}']));
        assert_eq!(comment("plain \"name\""), "plain \"name\"");
    }
}

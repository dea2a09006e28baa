//! What the AST does not hold but a layout of the author's file keeps: its
//! comments and blank lines, found again in the source text by offset.
//! `layout` asks here which comments come before or after a node; without
//! a source text (`compile --emit ast`, snapshots) there are none.

use crate::syntax::comment_start;

/// A comment taken for printing: its offsets and its text.
pub(super) struct Comment {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The source text and the comments not yet printed.
pub(super) struct Source<'t> {
    text: &'t str,
    /// The `(start, end)` offsets of the text's comments, in order.
    comments: Vec<(usize, usize)>,
    next: usize,
}

impl<'t> Source<'t> {
    pub fn new(text: &'t str) -> Self {
        Source {
            text,
            comments: comments(text),
            next: 0,
        }
    }

    /// Whether a blank line stands between `from` and `to`.
    pub fn blank_line_between(&self, from: usize, to: usize) -> bool {
        let gap = self.text.get(from..to).unwrap_or("");
        let lines: Vec<&str> = gap.split('\n').collect();
        // Only lines wholly inside the gap (not its first or last) can be blank.
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    /// The next comment, taken, if it starts before `before`.
    pub fn take_comment_before(&mut self, before: usize) -> Option<Comment> {
        self.take_if(|_, start| start < before)
    }

    /// The next comment, taken, if it follows `end` on the same line.
    pub fn take_trailing(&mut self, end: usize) -> Option<Comment> {
        self.take_if(|text, start| text.get(end..start).is_some_and(|b| !b.contains('\n')))
    }

    /// Where a block's `{` ends: searched for between the block's start
    /// and its first child, outside comments.
    pub fn brace_end(&self, start: usize, first_child: usize) -> Option<usize> {
        let in_comment = |at: usize| self.comments.iter().any(|&(s, e)| s <= at && at < e);
        let (i, _) = self
            .text
            .get(start..first_child)?
            .match_indices('{')
            .find(|(i, _)| !in_comment(start + i))?;
        Some(start + i + 1)
    }

    fn take_if(&mut self, wanted: impl FnOnce(&str, usize) -> bool) -> Option<Comment> {
        let &(start, end) = self.comments.get(self.next)?;
        if !wanted(self.text, start) {
            return None;
        }
        self.next += 1;
        let text = self.text.get(start..end).unwrap_or("#").trim_end();
        Some(Comment {
            start,
            end,
            text: text.to_string(),
        })
    }
}

/// Every comment of the text: from a `#` outside a text literal to the
/// end of its line.
fn comments(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        if let Some(hash) = comment_start(line) {
            found.push((offset + hash, offset + line.len()));
        }
        offset += line.len() + 1;
    }
    found
}

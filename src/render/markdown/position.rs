//! File lines and columns of byte offsets in a markdown body.

use crate::diagnostic::line_column;

/// Turns byte offsets of a body into file lines and columns. Offsets mostly arrive in order,
/// so counting resumes from the previous one instead of from the start each time.
pub(super) struct Lines<'s> {
    body: &'s str,
    /// The file line the body starts on.
    first_line: usize,
    /// The last offset placed, its body line (1-based) and where that line starts.
    offset: usize,
    line: usize,
    line_start: usize,
}

/// A 1-based place in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl<'s> Lines<'s> {
    /// Places offsets of `body`, which starts on file line `first_line`.
    pub(super) fn new(body: &'s str, first_line: usize) -> Self {
        Lines {
            body,
            first_line,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The file line and column of byte `offset` of the body.
    pub(super) fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.body.len());
        if offset < self.offset {
            (self.offset, self.line, self.line_start) = (0, 1, 0);
        }
        for (i, b) in self.body.as_bytes()[self.offset..offset].iter().enumerate() {
            if *b == b'\n' {
                self.line += 1;
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        let column = line_column(&self.body[self.line_start..], offset - self.line_start).1;
        Position {
            line: self.line + self.first_line - 1,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_and_out_of_order_find_their_line_and_column() {
        let mut lines = Lines::new("ab\ncdé\nf", 10);
        let at = |line, column| Position { line, column };
        assert_eq!(lines.position(0), at(10, 1));
        assert_eq!(lines.position(4), at(11, 2));
        assert_eq!(lines.position(8), at(12, 1), "é is one column");
        assert_eq!(
            lines.position(1),
            at(10, 2),
            "an earlier offset starts again"
        );
        assert_eq!(lines.position(99), at(12, 2), "past the end is the end");
    }
}

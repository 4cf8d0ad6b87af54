//! Source positions.
//!
//! The parser records positions as "bytes left in the input" (cheap to get from a nom
//! remainder); the compiler turns them into absolute byte offsets once it knows the source
//! length, and diagnostics turn offsets into line and column when they render.

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Index of the source file in the script's file table (0 = the script itself).
    pub file: u32,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span in file `file`.
    #[must_use]
    pub fn new(file: u32, start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }
}

/// A span as the parser records it: bytes remaining at the start and at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RSpan {
    /// Remaining input length where the node starts.
    pub start: usize,
    /// Remaining input length where the node ends.
    pub end: usize,
}

impl RSpan {
    /// The span from `start` (remaining length) to `end`.
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        RSpan { start, end }
    }

    /// Resolves against a source of length `len`.
    #[must_use]
    pub fn resolve(self, file: u32, len: usize) -> Span {
        let s = len.saturating_sub(self.start);
        let e = len.saturating_sub(self.end);
        Span::new(file, s, e.max(s))
    }
}

/// One line of source around a position, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInfo<'s> {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The text of the line (without its newline).
    pub text: &'s str,
    /// Byte offset of the line start.
    pub line_start: usize,
}

/// Line, column and line text for byte `offset` of `src`.
#[must_use]
pub fn line_info(src: &str, offset: usize) -> LineInfo<'_> {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let line = src[..line_start].bytes().filter(|&b| b == b'\n').count() + 1;
    let column = src[line_start..offset].chars().count() + 1;
    LineInfo {
        line,
        column,
        text: src[line_start..line_end].trim_end_matches('\r'),
        line_start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let src = "let a = 1;\nlet bé = 2;\n";
        let li = line_info(src, 15);
        assert_eq!((li.line, li.column, li.text), (2, 5, "let bé = 2;"));
        let li = line_info(src, 0);
        assert_eq!((li.line, li.column), (1, 1));
        let li = line_info(src, 1000);
        assert_eq!(li.line, 3);
    }

    #[test]
    fn rspan_resolves() {
        assert_eq!(RSpan::new(10, 4).resolve(0, 12), Span::new(0, 2, 8));
    }
}

//! A linear pre-scan of YAML text that finds how deeply it nests before libyaml parses it.
//!
//! libyaml (behind serde_yaml) re-checks every open flow collection (`[`, `{`) at every token,
//! so `[[[[…]]]]` 100,000 deep costs time quadratic in the depth before serde_yaml's own
//! recursion limit is ever consulted: serde_yaml loads a whole document's events first. This
//! scanner follows libyaml's scanner (its token-start rules, simple keys, indentation stack,
//! plain, quoted and block scalars) closely enough to track the same flow level and block
//! indentation, in one pass and constant work per character, and stops at the first place the
//! nesting passes the limit. Where libyaml would report a syntax error it carries on: libyaml
//! reads no further, so what the scan finds after that point never matters for cost, and the
//! file is refused either way.

/// Where the nesting first passed the limit (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: u64,
    pub column: u64,
}

/// Checks that no point of `text` is nested more than `max` collections deep (flow
/// collections plus block indentation levels, as libyaml counts them).
///
/// # Errors
///
/// [`TooDeep`] at the first token past the limit.
pub fn check_depth(text: &str, max: usize) -> Result<(), TooDeep> {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
        line: 0,
        col: 0,
        index: 0,
        flow: 0,
        indent: -1,
        indents: Vec::new(),
        allowed: true,
        keys: vec![Key::NONE],
        max,
    };
    s.run()
}

/// A possible simple key (the start of a token that a later `:` may turn into a mapping key).
#[derive(Clone, Copy)]
struct Key {
    possible: bool,
    line: u64,
    index: u64,
    col: u64,
}

impl Key {
    const NONE: Key = Key {
        possible: false,
        line: 0,
        index: 0,
        col: 0,
    };
}

struct Scanner<'a> {
    b: &'a [u8],
    /// Byte offset.
    i: usize,
    /// 0-based line and column (characters), and the character offset, as libyaml's marks.
    line: u64,
    col: u64,
    index: u64,
    flow: usize,
    indent: i64,
    indents: Vec<i64>,
    /// libyaml's `simple_key_allowed`.
    allowed: bool,
    /// One possible simple key per flow level (and one for the block context).
    keys: Vec<Key>,
    max: usize,
}

impl Scanner<'_> {
    fn at(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn is(&self, k: usize, c: u8) -> bool {
        self.at(k) == c
    }

    /// End of input; a NUL is refused by libyaml's reader, which reads no further.
    fn is_z(&self, k: usize) -> bool {
        self.at(k) == 0
    }

    fn is_blank(&self, k: usize) -> bool {
        matches!(self.at(k), b' ' | b'\t')
    }

    /// `\r`, `\n`, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
    fn is_break(&self, k: usize) -> bool {
        match self.at(k) {
            b'\r' | b'\n' => true,
            0xC2 => self.at(k + 1) == 0x85,
            0xE2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xA8 | 0xA9),
            _ => false,
        }
    }

    fn is_breakz(&self, k: usize) -> bool {
        self.is_break(k) || self.is_z(k)
    }

    fn is_blankz(&self, k: usize) -> bool {
        self.is_blank(k) || self.is_breakz(k)
    }

    fn is_alpha(&self, k: usize) -> bool {
        matches!(self.at(k), b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'_' | b'-')
    }

    /// A character of a tag's URI (`verbatim`: inside `!<…>`, where `,[]` are allowed too).
    fn is_uri(&self, k: usize, verbatim: bool) -> bool {
        self.is_alpha(k)
            || matches!(
                self.at(k),
                b';' | b'/'
                    | b'?'
                    | b':'
                    | b'@'
                    | b'&'
                    | b'='
                    | b'+'
                    | b'$'
                    | b'.'
                    | b'%'
                    | b'!'
                    | b'~'
                    | b'*'
                    | b'\''
                    | b'('
                    | b')'
            )
            || verbatim && matches!(self.at(k), b',' | b'[' | b']')
    }

    /// One character forward.
    fn skip(&mut self) {
        if self.i >= self.b.len() {
            return;
        }
        let width = match self.b[self.i] {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        self.i = (self.i + width).min(self.b.len());
        self.col += 1;
        self.index += 1;
    }

    /// Past one line break (`\r\n` is one).
    fn skip_line(&mut self) {
        if self.is(0, b'\r') && self.is(1, b'\n') {
            self.i += 2;
            self.index += 2;
        } else {
            self.skip();
        }
        self.col = 0;
        self.line += 1;
    }

    fn document_indicator(&self) -> bool {
        self.col == 0
            && (self.is(0, b'-') && self.is(1, b'-') && self.is(2, b'-')
                || self.is(0, b'.') && self.is(1, b'.') && self.is(2, b'.'))
            && self.is_blankz(3)
    }

    fn too_deep(&self) -> Result<(), TooDeep> {
        if self.indents.len() + self.flow > self.max {
            Err(TooDeep {
                line: self.line + 1,
                column: self.col + 1,
            })
        } else {
            Ok(())
        }
    }

    fn top(&mut self) -> &mut Key {
        if self.keys.is_empty() {
            self.keys.push(Key::NONE);
        }
        let last = self.keys.len() - 1;
        &mut self.keys[last]
    }

    fn save_key(&mut self) {
        if self.allowed {
            let key = Key {
                possible: true,
                line: self.line,
                index: self.index,
                col: self.col,
            };
            *self.top() = key;
        }
    }

    fn remove_key(&mut self) {
        self.top().possible = false;
    }

    fn stale_key(&mut self) {
        let (line, index) = (self.line, self.index);
        let top = self.top();
        if top.possible && (top.line < line || top.index.saturating_add(1024) < index) {
            top.possible = false;
        }
    }

    fn roll(&mut self, col: u64) -> Result<(), TooDeep> {
        let col = i64::try_from(col).unwrap_or(i64::MAX);
        if self.flow == 0 && self.indent < col {
            self.indents.push(self.indent);
            self.indent = col;
            self.too_deep()?;
        }
        Ok(())
    }

    fn unroll(&mut self, col: i64) {
        if self.flow != 0 {
            return;
        }
        while self.indent > col {
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn run(&mut self) -> Result<(), TooDeep> {
        loop {
            self.skip_to_next_token();
            if self.is_z(0) {
                return Ok(());
            }
            self.stale_key();
            self.unroll(i64::try_from(self.col).unwrap_or(i64::MAX));
            let c = self.at(0);
            let flow = self.flow > 0;
            if self.col == 0 && c == b'%' {
                // A directive: its line holds nothing that nests.
                self.unroll(-1);
                self.remove_key();
                self.allowed = false;
                while !self.is_breakz(0) {
                    self.skip();
                }
            } else if self.document_indicator() {
                self.unroll(-1);
                self.remove_key();
                self.allowed = false;
                self.skip();
                self.skip();
                self.skip();
            } else if c == b'[' || c == b'{' {
                self.save_key();
                self.flow += 1;
                self.keys.push(Key::NONE);
                self.too_deep()?;
                self.allowed = true;
                self.skip();
            } else if c == b']' || c == b'}' {
                self.remove_key();
                if self.flow > 0 {
                    self.flow -= 1;
                    self.keys.pop();
                }
                self.allowed = false;
                self.skip();
            } else if c == b',' {
                self.remove_key();
                self.allowed = true;
                self.skip();
            } else if c == b'-' && self.is_blankz(1) {
                self.roll(self.col)?;
                self.remove_key();
                self.allowed = true;
                self.skip();
            } else if c == b'?' && (flow || self.is_blankz(1)) {
                self.roll(self.col)?;
                self.remove_key();
                self.allowed = !flow;
                self.skip();
            } else if c == b':' && (flow || self.is_blankz(1)) {
                let key = *self.top();
                if key.possible {
                    self.roll(key.col)?;
                    self.top().possible = false;
                    self.allowed = false;
                } else {
                    self.roll(self.col)?;
                    self.allowed = !flow;
                }
                self.skip();
            } else if c == b'*' || c == b'&' {
                self.save_key();
                self.allowed = false;
                self.skip();
                while self.is_alpha(0) {
                    self.skip();
                }
            } else if c == b'!' {
                self.save_key();
                self.allowed = false;
                self.tag();
            } else if (c == b'|' || c == b'>') && !flow {
                self.remove_key();
                self.allowed = true;
                self.block_scalar();
            } else if c == b'\'' || c == b'"' {
                self.save_key();
                self.allowed = false;
                self.quoted(c == b'\'');
            } else if self.starts_plain(flow) {
                self.save_key();
                self.allowed = false;
                if self.plain() {
                    self.allowed = true;
                }
            } else {
                // libyaml: "found character that cannot start any token".
                self.skip();
            }
        }
    }

    fn starts_plain(&self, flow: bool) -> bool {
        let c = self.at(0);
        !(self.is_blankz(0)
            || matches!(
                c,
                b'-' | b'?'
                    | b':'
                    | b','
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'&'
                    | b'*'
                    | b'!'
                    | b'|'
                    | b'>'
                    | b'\''
                    | b'"'
                    | b'%'
                    | b'@'
                    | b'`'
            ))
            || c == b'-' && !self.is_blank(1)
            || !flow && (c == b'?' || c == b':') && !self.is_blankz(1)
    }

    fn skip_to_next_token(&mut self) {
        loop {
            if self.col == 0 && self.is(0, 0xEF) && self.is(1, 0xBB) && self.is(2, 0xBF) {
                self.skip();
            }
            while self.is(0, b' ') || (self.flow > 0 || !self.allowed) && self.is(0, b'\t') {
                self.skip();
            }
            if self.is(0, b'#') {
                while !self.is_breakz(0) {
                    self.skip();
                }
            }
            if !self.is_break(0) {
                return;
            }
            self.skip_line();
            if self.flow == 0 {
                self.allowed = true;
            }
        }
    }

    fn tag(&mut self) {
        if self.is(1, b'<') {
            self.skip();
            self.skip();
            while self.is_uri(0, true) {
                self.skip();
            }
            if self.is(0, b'>') {
                self.skip();
            }
        } else {
            self.skip();
            while self.is_uri(0, false) {
                self.skip();
            }
        }
    }

    /// A single- or double-quoted scalar, from its opening quote to past its closing one.
    fn quoted(&mut self, single: bool) {
        let quote = if single { b'\'' } else { b'"' };
        self.skip();
        loop {
            if self.document_indicator() || self.is_z(0) {
                return;
            }
            while !self.is_blankz(0) {
                if single && self.is(0, b'\'') && self.is(1, b'\'') {
                    self.skip();
                    self.skip();
                } else if self.is(0, quote) {
                    break;
                } else if !single && self.is(0, b'\\') && self.is_break(1) {
                    self.skip();
                    self.skip_line();
                    break;
                } else if !single && self.is(0, b'\\') {
                    self.skip();
                    if !self.is_z(0) {
                        self.skip();
                    }
                } else {
                    self.skip();
                }
            }
            if self.is(0, quote) {
                self.skip();
                return;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    self.skip();
                } else {
                    self.skip_line();
                }
            }
        }
    }

    /// A plain scalar; true if it ended after a line break (libyaml then allows a simple key).
    fn plain(&mut self) -> bool {
        let indent = self.indent + 1;
        let flow = self.flow > 0;
        let mut leading_blanks = false;
        loop {
            if self.document_indicator() || self.is(0, b'#') {
                break;
            }
            while !self.is_blankz(0) {
                let c = self.at(0);
                if flow
                    && c == b':'
                    && matches!(self.at(1), b',' | b'?' | b'[' | b']' | b'{' | b'}')
                {
                    // libyaml: "found unexpected ':'".
                    return leading_blanks;
                }
                if c == b':' && self.is_blankz(1)
                    || flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}')
                {
                    break;
                }
                leading_blanks = false;
                self.skip();
            }
            if !(self.is_blank(0) || self.is_break(0)) {
                break;
            }
            while self.is_blank(0) || self.is_break(0) {
                if self.is_blank(0) {
                    self.skip();
                } else {
                    self.skip_line();
                    leading_blanks = true;
                }
            }
            if !flow && i64::try_from(self.col).unwrap_or(i64::MAX) < indent {
                break;
            }
        }
        leading_blanks
    }

    /// A literal (`|`) or folded (`>`) scalar: its header, then every line of its content.
    fn block_scalar(&mut self) {
        self.skip();
        let mut increment: i64 = 0;
        let digit = |c: u8| (b'1'..=b'9').contains(&c).then(|| i64::from(c - b'0'));
        if matches!(self.at(0), b'+' | b'-') {
            self.skip();
            if let Some(d) = digit(self.at(0)) {
                increment = d;
                self.skip();
            }
        } else if let Some(d) = digit(self.at(0)) {
            increment = d;
            self.skip();
            if matches!(self.at(0), b'+' | b'-') {
                self.skip();
            }
        }
        while self.is_blank(0) {
            self.skip();
        }
        if self.is(0, b'#') {
            while !self.is_breakz(0) {
                self.skip();
            }
        }
        if !self.is_breakz(0) {
            // libyaml: "did not find expected comment or line break".
            return;
        }
        if self.is_break(0) {
            self.skip_line();
        }
        let mut indent = if increment > 0 {
            if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            }
        } else {
            0
        };
        if !self.block_breaks(&mut indent) {
            return;
        }
        while i64::try_from(self.col).unwrap_or(i64::MAX) == indent && !self.is_z(0) {
            while !self.is_breakz(0) {
                self.skip();
            }
            if self.is_z(0) {
                return;
            }
            self.skip_line();
            if !self.block_breaks(&mut indent) {
                return;
            }
        }
    }

    /// Blank lines and indentation inside a block scalar; fixes an automatic indentation.
    /// False where libyaml reports a tab used as indentation.
    fn block_breaks(&mut self, indent: &mut i64) -> bool {
        let mut max_indent: i64 = 0;
        loop {
            let col = |s: &Self| i64::try_from(s.col).unwrap_or(i64::MAX);
            while (*indent == 0 || col(self) < *indent) && self.is(0, b' ') {
                self.skip();
            }
            max_indent = max_indent.max(col(self));
            if (*indent == 0 || col(self) < *indent) && self.is(0, b'\t') {
                return false;
            }
            if !self.is_break(0) {
                break;
            }
            self.skip_line();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        true
    }
}

#[cfg(test)]
mod tests;

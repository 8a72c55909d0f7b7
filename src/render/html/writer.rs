//! A small typed HTML writer whose only path for text escapes it.
//!
//! Element and attribute names are `&'static str`: licplan's own, fixed when it is built. Every
//! string that reaches the document at run time — text and attribute values — goes through
//! [`Html::text`] or an attribute value, both escaped (`&`, `<`, `>`, `"`, `'` as entities,
//! and [hidden](crate::render::grid::is_hidden) characters — bidi overrides, zero-width
//! characters, controls — shown as `\u{…}`). The only unescaped output is
//! [`Html::markup`], which takes `&'static str` alone (the style sheet), so no name from an
//! export can become markup: escaping holds by construction, not by care at each call.

use std::io::{self, Write};

use crate::render::grid::is_hidden;

/// An attribute: a fixed name and a value that is escaped.
pub type Attr<'v> = (&'static str, &'v str);

/// An HTML document being written: the elements open, so each is closed in order.
pub struct Html<'w> {
    out: &'w mut dyn Write,
    open: Vec<&'static str>,
}

/// Escapes `s` into `out`: markup characters as entities, hidden characters shown as
/// `\u{…}` text.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // A tab and a line break are white space in HTML text; kept.
            '\t' | '\n' => out.push(c),
            c if is_hidden(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
}

/// `s` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

impl<'w> Html<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        Html {
            out,
            open: Vec::new(),
        }
    }

    fn start_tag(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> io::Result<()> {
        let mut s = String::with_capacity(16 + tag.len());
        s.push('<');
        s.push_str(tag);
        for (name, value) in attrs {
            s.push(' ');
            s.push_str(name);
            s.push_str("=\"");
            escape_into(&mut s, value);
            s.push('"');
        }
        s.push('>');
        self.out.write_all(s.as_bytes())
    }

    /// Opens an element; [`Html::close`] closes it.
    pub fn open(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> io::Result<()> {
        self.start_tag(tag, attrs)?;
        self.open.push(tag);
        Ok(())
    }

    /// An element without content (`<meta>`, `<rect/>`): a void element in HTML, self-closed
    /// in SVG.
    pub fn empty(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> io::Result<()> {
        self.start_tag(tag, attrs)?;
        if self.open.contains(&"svg") {
            // Inside SVG an element must be closed; `<rect …></rect>` is that.
            write!(self.out, "</{tag}>")?;
        }
        Ok(())
    }

    /// Closes the element opened last.
    pub fn close(&mut self) -> io::Result<()> {
        match self.open.pop() {
            Some(tag) => write!(self.out, "</{tag}>"),
            None => Ok(()),
        }
    }

    /// A line break in the source (between blocks), for people reading the file.
    pub fn newline(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> io::Result<()> {
        self.out.write_all(escape(s).as_bytes())
    }

    /// An element holding only text: `<td class="n">12</td>`.
    pub fn element(&mut self, tag: &'static str, attrs: &[Attr<'_>], s: &str) -> io::Result<()> {
        self.open(tag, attrs)?;
        self.text(s)?;
        self.close()
    }

    /// licplan's own markup, fixed at build time (the style sheet, the doctype).
    pub fn markup(&mut self, s: &'static str) -> io::Result<()> {
        self.out.write_all(s.as_bytes())
    }

    /// Closes every element still open.
    pub fn finish(mut self) -> io::Result<()> {
        while !self.open.is_empty() {
            self.close()?;
        }
        self.newline()
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, Html};

    #[test]
    fn text_and_attributes_are_escaped() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            escape("</script><script>x</script>"),
            "&lt;/script&gt;&lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(escape("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
        assert_eq!(escape("abc\u{202e}gnp.exe"), "abc\\u{202e}gnp.exe");
        assert_eq!(escape("\u{2028}\u{feff}"), "\\u{2028}\\u{feff}");
        assert_eq!(escape("“quoted” ‘x’"), "“quoted” ‘x’");
        let mut out = Vec::new();
        let mut h = Html::new(&mut out);
        h.open("p", &[("title", "\" onmouseover=\"x")])
            .expect("memory");
        h.text("<b>").expect("memory");
        h.open("svg", &[]).expect("memory");
        h.empty("rect", &[("width", "3")]).expect("memory");
        h.finish().expect("memory");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "<p title=\"&quot; onmouseover=&quot;x\">&lt;b&gt;<svg><rect width=\"3\"></rect></svg></p>\n"
        );
    }
}

//! Report text in each output format. Reports come from other machines,
//! so every string in one (a trial ID, a message, a release, a label, an
//! area, a commit, an erratum) is hostile: each format has one function
//! here, and everything that format shows from a report goes through it.

/// For a terminal (`diff`, the reasons a report is refused): control
/// characters (C0 with newline and tab, DEL, C1), the bidirectional
/// overrides and the line separators are shown as `\n`, `\r`, `\t` or
/// `\u{1b}`, and a backslash as `\\`, so a report can neither move the
/// cursor, retitle or clear the terminal, reorder what it shows, nor
/// forge a line of output, and an ID that spells `\u{1b}` reads apart
/// from one that holds ESC.
pub fn terminal(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() || is_invisible_format(c) => o.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// Unicode format characters that change how a line reads without being
/// seen: the bidirectional marks, embeddings, overrides and isolates
/// ("Trojan Source"), and the line and paragraph separators.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// For HTML text and attribute values alike (quotes too).
pub fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// For JSON (already serialised) inside a `<script>` element. The HTML
/// parser ends or re-enters script data on `</script`, `<script` and
/// `<!--` whatever the JSON means (after `<!--<script>` no `</script>`
/// ends the element, and the page is blank), so no `<` is left: in JSON it
/// can only stand in a string, where `\u003c` is the same character.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// For a Markdown table cell as GitHub renders it: text only, never HTML,
/// an entity, a link, emphasis, strikethrough, math, a code span, a new
/// cell or a new row. Control characters first become visible as for the
/// terminal (a newline would end the row); `<`, `>` and `&` become
/// entities (read the same everywhere, raw HTML never); the rest of the
/// syntax is backslash-escaped.
pub fn markdown(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in terminal(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

/// For a CSV field (RFC 4180): quoted where it holds a comma, a quote or
/// a line break, quotes doubled. The text stays as it was: CSV is data.
pub fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_shows_every_control_character() {
        assert_eq!(terminal("a\u{1b}[2J\u{7}\0\n\r\t\u{7f}\u{9b}\u{202e}\\b"), "a\\u{1b}[2J\\u{7}\\u{0}\\n\\r\\t\\u{7f}\\u{9b}\\u{202e}\\\\b");
        assert_eq!(terminal("links/x[sqpoll] é"), "links/x[sqpoll] é");
    }

    #[test]
    fn script_json_leaves_no_markup_and_the_same_json() {
        let json = serde_json::json!({"id": "<!--<script></script>"}).to_string();
        let safe = script_json(&json);
        assert!(!safe.contains('<'), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap()["id"], "<!--<script></script>");
    }

    #[test]
    fn markdown_and_csv() {
        assert_eq!(markdown("<b>a|b</b>\n`c` *d* [e](f) ~g~ $h$ &amp;"), "&lt;b&gt;a\\|b&lt;/b&gt;\\\\n\\`c\\` \\*d\\* \\[e\\](f) \\~g\\~ \\$h\\$ &amp;amp;");
        assert_eq!(markdown("6.12.118-1 + sqe-group v8"), "6.12.118-1 + sqe-group v8");
        assert_eq!(csv("a,\"b\"\r"), "\"a,\"\"b\"\"\r\"");
        assert_eq!(csv("6.18"), "6.18");
    }
}

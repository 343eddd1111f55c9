//! Shell-style globs (`*`, `?`) for trial IDs. `[` is literal, since
//! trial IDs contain `[variant]`.

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    matching(pattern, text, true)
}

/// Whether `text` matches `pattern` where only `*` is special (any run of
/// characters, newlines included): for recorded failure messages, which
/// contain `?` and `[` of their own.
pub fn matches_star(pattern: &str, text: &str) -> bool {
    matching(pattern, text, false)
}

fn matching(pattern: &str, text: &str, question: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && ((question && p[pi] == '?') || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// A filter word selects trials: a glob over the whole ID if it has `*`
/// or `?`; an area (or sub-area) if it ends in `/` (`links/` is links
/// only, not hardlinks/; `ops/read/` is that opcode's cases); otherwise a
/// substring of the ID.
pub fn selects(filter: &str, id: &str) -> bool {
    if filter.contains('*') || filter.contains('?') {
        matches(filter, id)
    } else if filter.ends_with('/') {
        id.starts_with(filter)
    } else {
        id.contains(filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn globs() {
        assert!(matches("links/*", "links/a[default]"));
        assert!(matches("*[sqpoll]", "links/a[sqpoll]"));
        assert!(!matches("*[sqpoll]", "links/a[default]"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "abbc"));
        assert!(selects("short-read", "links/short-read-breaks-chain[default]"));
        assert!(selects("links/", "links/a[default]"));
        assert!(!selects("links/", "hardlinks/a[default]"));
        assert!(selects("ops/read/", "ops/read/success[default]"));
        assert!(!selects("ops/read/", "ops/read_fixed/success[default]"));
        assert!(matches_star("got -E?512 *", "got -E?512 after\n 3 ms"));
        assert!(!matches_star("a?c", "abc"));
    }
}

//! HXL, the Humanitarian Exchange Language: a row of hashtags such as `#affected+name+first`
//! under (or instead of) a spreadsheet's header, which says what each column holds whatever its
//! header's language.

/// A parsed hashtag: `#contact+phone` → tag "contact", attributes ["phone"]. Lowercased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hashtag {
    pub tag: String,
    pub attrs: Vec<String>,
}

impl Hashtag {
    pub fn has(&self, attr: &str) -> bool {
        self.attrs.iter().any(|a| a == attr)
    }

    /// The hashtag written back canonically, for explanations.
    pub fn spelled(&self) -> String {
        let mut s = format!("#{}", self.tag);
        for a in &self.attrs {
            s.push('+');
            s.push_str(a);
        }
        s
    }
}

/// Parses one hashtag spec; None if the text is not one (HXL allows spaces around the `+`).
pub(crate) fn parse(cell: &str) -> Option<Hashtag> {
    let body = cell.trim().strip_prefix('#')?;
    let mut parts = body.split('+');
    // Spaces may surround a '+', not follow the '#'.
    let tag = parts.next()?.trim_end();
    if !is_name(tag) {
        return None;
    }
    let mut attrs = Vec::new();
    for a in parts.map(str::trim) {
        if !is_name(a) {
            return None;
        }
        attrs.push(a.to_ascii_lowercase());
    }
    Some(Hashtag {
        tag: tag.to_ascii_lowercase(),
        attrs,
    })
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A hashtag row: at least one cell, and every non-empty cell, is a hashtag.
pub(crate) fn is_hashtag_row(cells: &[String]) -> bool {
    let mut any = false;
    for c in cells {
        if c.trim().is_empty() {
            continue;
        }
        if parse(c).is_none() {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_hashtags() {
        let h = parse(" #Affected +Name+first ").unwrap();
        assert_eq!(h.tag, "affected");
        assert_eq!(h.attrs, ["name", "first"]);
        assert!(h.has("first"));
        assert_eq!(h.spelled(), "#affected+name+first");
        assert!(parse("#adm1+name").is_some());
        assert!(parse("# name").is_none());
        assert!(parse("#1abc").is_none());
        assert!(parse("name").is_none());
        assert!(parse("#a+").is_none());
    }

    #[test]
    fn recognises_a_hashtag_row() {
        assert!(is_hashtag_row(&row(&[
            "#affected+name",
            "",
            "#contact+phone"
        ])));
        assert!(!is_hashtag_row(&row(&["#affected+name", "Kabul"])));
        assert!(!is_hashtag_row(&row(&["", " "])));
    }
}

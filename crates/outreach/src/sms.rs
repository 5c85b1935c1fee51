//! The SMS gateway's request shape: most providers and self-hosted gateways take a POST with
//! the number and the text in a form or a JSON body; the URL, method, headers and body are
//! configured with `{to}` and `{text}` where the values go.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`: values are percent-encoded.
    Form,
    /// `application/json`: values are JSON string contents (escaped).
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// May hold `{to}` and `{text}` (percent-encoded there).
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub format: BodyFormat,
}

/// One request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub content_type: &'static str,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("the SMS gateway URL must start with http:// or https:// (got {0:?})")]
    Url(String),
    #[error("the SMS method must be POST, PUT or GET (got {0:?})")]
    Method(String),
    #[error("the SMS body must contain {{to}} and {{text}} (or the URL must)")]
    Placeholders,
    #[error("an SMS header must be written Name: value (got {0:?})")]
    Header(String),
    #[error("the SMS JSON body is not JSON once filled: {0}")]
    Json(String),
}

/// Percent-encoding for URLs and forms (RFC 3986 unreserved characters kept).
pub fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn json_inner(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    quoted[1..quoted.len() - 1].to_string()
}

impl Shape {
    /// A shape from its configuration: headers as `Name: value` lines.
    pub fn new(
        url: &str,
        method: &str,
        headers: &str,
        body: &str,
        format: BodyFormat,
    ) -> Result<Shape, ShapeError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ShapeError::Url(url.to_string()));
        }
        let method = method.trim().to_uppercase();
        if !matches!(method.as_str(), "POST" | "PUT" | "GET") {
            return Err(ShapeError::Method(method));
        }
        let mut hs = Vec::new();
        for line in headers.lines().flat_map(|l| l.split(";;")) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| ShapeError::Header(line.to_string()))?;
            if k.trim().is_empty() || k.contains(' ') {
                return Err(ShapeError::Header(line.to_string()));
            }
            hs.push((k.trim().to_string(), v.trim().to_string()));
        }
        let all = format!("{url}{body}");
        if !(all.contains("{to}") && all.contains("{text}")) {
            return Err(ShapeError::Placeholders);
        }
        let shape = Shape {
            url: url.to_string(),
            method,
            headers: hs,
            body: body.to_string(),
            format,
        };
        if format == BodyFormat::Json && !body.is_empty() {
            let probe = shape.request("+10000000000", "probe \"quoted\"");
            serde_json::from_str::<serde_json::Value>(&probe.body)
                .map_err(|e| ShapeError::Json(e.to_string()))?;
        }
        Ok(shape)
    }

    /// The request that sends `text` to `to`.
    pub fn request(&self, to: &str, text: &str) -> Request {
        let url = self
            .url
            .replace("{to}", &percent(to))
            .replace("{text}", &percent(text));
        let (body, content_type) = match self.format {
            BodyFormat::Form => (
                self.body
                    .replace("{to}", &percent(to))
                    .replace("{text}", &percent(text)),
                "application/x-www-form-urlencoded",
            ),
            BodyFormat::Json => (
                self.body
                    .replace("{to}", &json_inner(to))
                    .replace("{text}", &json_inner(text)),
                "application/json",
            ),
        };
        Request {
            method: self.method.clone(),
            url,
            headers: self.headers.clone(),
            content_type,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_escapes_values() {
        let s = Shape::new(
            "https://sms.example/api/send",
            "post",
            "Authorization: Bearer abc;;X-Kind: alert",
            r#"{"phone":"{to}","message":"{text}"}"#,
            BodyFormat::Json,
        )
        .expect("valid");
        let r = s.request("+93701234567", "Leave \"now\"\nبروید");
        assert_eq!(r.method, "POST");
        assert_eq!(r.content_type, "application/json");
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["message"], "Leave \"now\"\nبروید");
        assert_eq!(v["phone"], "+93701234567");
        assert_eq!(r.headers[1], ("X-Kind".into(), "alert".into()));
    }

    #[test]
    fn form_body_and_url_are_percent_encoded() {
        let s = Shape::new(
            "http://127.0.0.1:9/send?key=k&to={to}",
            "POST",
            "",
            "text={text}",
            BodyFormat::Form,
        )
        .expect("valid");
        let r = s.request("+93 70", "a&b=c");
        assert_eq!(r.url, "http://127.0.0.1:9/send?key=k&to=%2B93%2070");
        assert_eq!(r.body, "text=a%26b%3Dc");
    }

    #[test]
    fn bad_shapes_are_refused() {
        assert!(matches!(
            Shape::new("ftp://x", "POST", "", "{to}{text}", BodyFormat::Form),
            Err(ShapeError::Url(_))
        ));
        assert!(matches!(
            Shape::new("http://x", "DELETE", "", "{to}{text}", BodyFormat::Form),
            Err(ShapeError::Method(_))
        ));
        assert_eq!(
            Shape::new("http://x", "POST", "", "to={to}", BodyFormat::Form),
            Err(ShapeError::Placeholders)
        );
        assert!(matches!(
            Shape::new(
                "http://x",
                "POST",
                "nocolon",
                "{to}{text}",
                BodyFormat::Form
            ),
            Err(ShapeError::Header(_))
        ));
        assert!(matches!(
            Shape::new(
                "http://x",
                "POST",
                "",
                "{\"to\": {to}, \"t\": \"{text}\"}",
                BodyFormat::Json
            ),
            Err(ShapeError::Json(_))
        ));
    }
}

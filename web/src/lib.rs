//! The minerva web UI: the files of `web/static/`, embedded at build time.
//!
//! Plain HTML, CSS and JavaScript modules with no third-party code and no build step; the
//! search API serves them at `/` and `/static/{name}`.

mod generated {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// An embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// File name under `static/`.
    pub name: &'static str,
    /// Contents.
    pub bytes: &'static [u8],
    /// `Content-Type` to serve it with.
    pub content_type: &'static str,
}

/// The embedded file called `name`, if any.
pub fn asset(name: &str) -> Option<Asset> {
    generated::ASSETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(name, bytes)| Asset {
            name,
            bytes,
            content_type: content_type(name),
        })
}

/// Names of every embedded file.
pub fn names() -> impl Iterator<Item = &'static str> {
    generated::ASSETS.iter().map(|(n, _)| *n)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_script_are_embedded() {
        let index = asset("index.html").expect("index.html is embedded");
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        let html = std::str::from_utf8(index.bytes).expect("utf-8");
        assert!(html.contains("/static/app.js"), "index.html loads app.js");
        assert!(asset("app.js").is_some());
        assert!(asset("../Cargo.toml").is_none());
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}

//! Markdown to HTML that cannot carry markup or script from the data: review files and records
//! may hold `<script>`, `"><svg onload=...>` or `javascript:` links, and the HTML shows them as
//! text.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

/// The Markdown as HTML: raw HTML in it is shown as text, and a link or image whose address
/// names a scheme other than http, https or mailto points nowhere (`#`).
pub fn markdown_html(md: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    let events = Parser::new_ext(md, options).map(|e| match e {
        Event::InlineHtml(t) if is_anchor(&t) => Event::InlineHtml(t),
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Markdown written to a file, made safe for viewers that render raw HTML in Markdown: every
/// `<` that does not open the report's own anchors becomes `&lt;`, which every viewer shows as
/// `<` (and [`markdown_html`] too).
pub fn markdown_safe(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let tag_end = tail.find('>').map(|e| e + 1);
        match tag_end.filter(|&e| is_anchor(&tail[..e])) {
            Some(e) => {
                out.push_str(&tail[..e]);
                rest = &tail[e..];
            }
            None => {
                out.push_str("&lt;");
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The one piece of HTML the report writes itself: an empty anchor for a reference
/// (`<a id="ref-ID"></a>`), with an id of letters, digits, `.`, `_` and `-` only.
fn is_anchor(html: &str) -> bool {
    html == "</a>"
        || html
            .strip_prefix("<a id=\"")
            .and_then(|rest| rest.strip_suffix("\">"))
            .is_some_and(|id| {
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            })
}

/// An address kept when it is relative or http, https or mailto; `#` otherwise.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    // Browsers ignore tabs, newlines and leading spaces inside a scheme ("java\tscript:").
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let scheme = squeezed
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None => url,
        Some(s) if ["http", "https", "mailto"].contains(&s.to_ascii_lowercase().as_str()) => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_files_keep_their_anchors_and_nothing_else_that_opens_a_tag() {
        let md = "- <a id=\"ref-a\"></a>A <script>x</script> p <0.01 <a id=\"x\" onclick=1></a>";
        let safe = markdown_safe(md);
        assert_eq!(
            safe,
            "- <a id=\"ref-a\"></a>A &lt;script>x&lt;/script> p &lt;0.01 &lt;a id=\"x\" onclick=1></a>"
        );
        assert!(markdown_html(&safe).contains("p &lt;0.01"));
    }

    #[test]
    fn markup_and_script_addresses_from_the_data_stay_text() {
        let md = "# <script>alert(1)</script>\n\n| a |\n|---|\n| \"><svg onload=alert(1)> |\n\n\
                  [x](javascript:alert(1)) [y](JaVa\tScRiPt:alert(1)) ![i](data:text/html,hi) \
                  [ok](https://doi.org/10.1/x) [ref](#ref-a) [fig](figures/a.svg)\n\n<img src=x onerror=alert(1)>\n\n\
                  - <a id=\"ref-a\"></a>A 2020\n- <a id=\"x\" onclick=\"alert(1)\"></a>B\n";
        let html = markdown_html(md);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<svg"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
        assert!(html.contains("href=\"https://doi.org/10.1/x\""), "{html}");
        assert!(html.contains("href=\"#ref-a\""), "{html}");
        assert!(html.contains("href=\"figures/a.svg\""), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<a id=\"ref-a\"></a>A 2020"), "{html}");
        assert!(!html.contains("<a id=\"x\""), "{html}");
    }
}

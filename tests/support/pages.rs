//! Hostile pages shared by the tests (`tests/it/hostile.rs`) and the
//! benchmark (`benches/hostile.rs`), issue #10 §2: nesting that made tree
//! building and the microdata walk grow with the square of the depth.

fn klacht(id: u32, title: &str, text: &str) -> String {
    format!(
        "<article class=\"klacht\"><h2><a href=\"/k/{id}\">{title}</a></h2>\
         <div class=\"tekst\"><p>{text}</p></div></article>"
    )
}

/// About 4 MiB: a sane post, then 100,000 nested elements, then another
/// sane post.
pub fn deep_html_page() -> String {
    let n = 100_000;
    format!(
        "<!doctype html><html><body>{}{}diep{}{}</body></html>",
        klacht(
            1,
            "Storing bij Acme Telecom",
            "Al dagen geen internet van Acme Telecom."
        ),
        "<div class=\"level-of-nesting\">".repeat(n),
        "</div>".repeat(n),
        klacht(
            2,
            "Acme Telecom monteur was top",
            "Snel geholpen door Acme Telecom."
        ),
    )
}

/// About 1 MB: a sane microdata review, then a review holding 60,000
/// nested properties.
pub fn deep_reviews_page() -> String {
    let n = 60_000;
    format!(
        "<!doctype html><html><body>\
         <div itemscope itemtype=\"https://schema.org/Review\">\
         <span itemprop=\"author\" itemscope itemtype=\"https://schema.org/Person\"><span itemprop=\"name\">Kees</span></span>\
         <meta itemprop=\"datePublished\" content=\"2026-11-20\">\
         <div itemprop=\"reviewRating\" itemscope itemtype=\"https://schema.org/Rating\"><meta itemprop=\"ratingValue\" content=\"1\"></div>\
         <p itemprop=\"reviewBody\">Acme Telecom laat me al een week zonder internet zitten.</p></div>\
         <div itemscope itemtype=\"https://schema.org/Review\">{}x{}</div></body></html>",
        "<span itemprop=a>".repeat(n),
        "</span>".repeat(n),
    )
}

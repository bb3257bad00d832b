//! Pieces of `earshot.toml` that several test modules write the same way: the
//! `acme` watch, a feed source, an email or webhook notifier. A test adds its
//! own keys after a snippet (TOML tables run until the next header), so what
//! a test is about stays visible in the test.

/// The watch most tests look for: `acme`, matching "Acme Telecom".
pub const ACME: &str = "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n";

/// A `[[source]]` of kind `feed` named NAME polling URL.
pub fn feed_source(name: &str, url: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n")
}

/// A `[[notifier]]` of kind `email` named NAME, sending from FROM to each
/// address in TO through the plain SMTP server on 127.0.0.1:PORT.
pub fn email_notifier(name: &str, port: u16, to: &[&str], from: &str) -> String {
    let to: Vec<String> = to.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "[[notifier]]\nname = \"{name}\"\nkind = \"email\"\nto = [{}]\nfrom = \"{from}\"\nsmtp = \"smtp://127.0.0.1:{port}\"\n",
        to.join(", ")
    )
}

/// A `[[notifier]]` of kind `webhook` named NAME posting to URL.
pub fn webhook_notifier(name: &str, url: &str) -> String {
    format!("[[notifier]]\nname = \"{name}\"\nkind = \"webhook\"\nurl = \"{url}\"\n")
}

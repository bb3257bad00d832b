//! HTML from the network → a document tree whose cost is bounded whatever
//! its nesting.
//!
//! html5ever's tree builder does work in proportion to the depth of its stack
//! of open elements for many start tags, so a page nested 100,000 elements
//! deep costs the square of that (minutes of CPU), and every later walk over
//! ancestors grows with it. Here a filter between the tokenizer and the tree
//! builder drops the start tags (and their end tags) of elements that would
//! sit deeper than [`MAX_DEPTH`]; their content lands in the deepest element
//! allowed, as browsers do (Chromium flattens at 512). Void elements are
//! always kept. Nothing here fails or allocates beyond the tree itself, and it
//! never reads anything but the text it is given.

use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::io::Write;

use html5ever::buffer_queue::BufferQueue;
use html5ever::interface::{ElementFlags, NodeOrText, QualName, QuirksMode, TreeSink};
use html5ever::serialize::{SerializeOpts, TraversalScope};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use html5ever::{Attribute, LocalName, TokenizerResult};
use scraper::{ElementRef, Html, HtmlTreeSink};

type NodeId = ego_tree::NodeId;

/// Elements nested deeper than this are flattened into their ancestor at
/// this depth. Real pages stay well under 100.
pub const MAX_DEPTH: u32 = 256;

/// HTML parsed per page at most (bytes); the rest of a larger page is ignored.
pub const MAX_PARSED_HTML: usize = 4 * 1024 * 1024;

/// A parsed page and how many start tags were dropped for nesting too deep.
pub struct Parsed {
    pub html: Html,
    pub flattened: usize,
}

/// Parses `text` as an HTML document, flattening what nests deeper than
/// [`MAX_DEPTH`].
pub fn parse_document(text: &str) -> Parsed {
    let sink = DepthSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        depth: RefCell::new(HashMap::new()),
        named: Cell::new(None),
    };
    let filter = Filter {
        builder: TreeBuilder::new(sink, TreeBuilderOpts::default()),
        dropped: RefCell::new(HashMap::new()),
        flattened: Cell::new(0),
    };
    let tokenizer = Tokenizer::new(filter, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // A `</script>` pauses the tokenizer (for a script engine we do not
    // have); carry on until the input is used up.
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
    tokenizer.end();
    let Filter {
        builder, flattened, ..
    } = tokenizer.sink;
    Parsed {
        html: builder.sink.inner.finish(),
        flattened: flattened.get(),
    }
}

/// The element's inner HTML, at most about `max` bytes of it: serialising
/// stops there, so a huge subtree costs no more than `max`.
pub fn inner_html_capped(el: ElementRef<'_>, max: usize) -> String {
    serialize_capped(el, TraversalScope::ChildrenOnly(None), max)
}

/// The element's own HTML, at most about `max` bytes of it.
pub fn html_capped(el: ElementRef<'_>, max: usize) -> String {
    serialize_capped(el, TraversalScope::IncludeNode, max)
}

/// The element's text, at most about `max` bytes of it (whole text nodes,
/// the last one cut at a character boundary).
pub fn text_capped(el: ElementRef<'_>, max: usize) -> String {
    let mut out = String::new();
    for t in el.text() {
        let room = max.saturating_sub(out.len());
        if t.len() <= room {
            out.push_str(t);
            continue;
        }
        let mut end = room;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&t[..end]);
        break;
    }
    out
}

fn serialize_capped(el: ElementRef<'_>, scope: TraversalScope, max: usize) -> String {
    let mut out = Capped {
        buf: Vec::new(),
        max,
    };
    let opts = SerializeOpts {
        scripting_enabled: false,
        traversal_scope: scope,
        create_missing_parent: false,
    };
    // The only error is the cap, which ends the text early on purpose.
    let _ = html5ever::serialize(&mut out, &el, opts);
    // The cap may split a character: keep the whole ones.
    match String::from_utf8(out.buf) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    }
}

/// A writer that refuses everything past `max` bytes.
struct Capped {
    buf: Vec<u8>,
    max: usize,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = self.max.saturating_sub(self.buf.len());
        if room == 0 {
            return Err(std::io::Error::other("capped"));
        }
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Void elements never hold content, so they never deepen the tree.
fn is_void(name: &LocalName) -> bool {
    matches!(
        &**name,
        "area"
            | "base"
            | "basefont"
            | "bgsound"
            | "br"
            | "col"
            | "embed"
            | "frame"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Sits between the tokenizer and the tree builder: a start tag that would
/// open an element deeper than [`MAX_DEPTH`] is dropped, and so is the end
/// tag that later closes it.
struct Filter {
    builder: TreeBuilder<NodeId, DepthSink>,
    /// Per tag name, the start tags dropped whose end tags are still to come.
    dropped: RefCell<HashMap<LocalName, usize>>,
    flattened: Cell<usize>,
}

impl Filter {
    /// The depth of the tree builder's current node (the document is 0).
    fn current_depth(&self) -> u32 {
        // The tree builder does not expose its current node, but asking
        // whether it is foreign content names it to the sink.
        let sink = &self.builder.sink;
        sink.named.set(None);
        let _ = self
            .builder
            .adjusted_current_node_present_but_not_in_html_namespace();
        sink.named.get().map_or(0, |n| sink.depth_of(n))
    }
}

impl TokenSink for Filter {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<NodeId> {
        if let Token::TagToken(tag) = &token {
            match tag.kind {
                TagKind::StartTag if !is_void(&tag.name) && self.current_depth() >= MAX_DEPTH => {
                    *self
                        .dropped
                        .borrow_mut()
                        .entry(tag.name.clone())
                        .or_default() += 1;
                    self.flattened.set(self.flattened.get() + 1);
                    return TokenSinkResult::Continue;
                }
                TagKind::EndTag => {
                    if let Some(n) = self.dropped.borrow_mut().get_mut(&tag.name) {
                        if *n > 0 {
                            *n -= 1;
                            return TokenSinkResult::Continue;
                        }
                    }
                }
                TagKind::StartTag => {}
            }
        }
        self.builder.process_token(token, line_number)
    }

    fn end(&self) {
        self.builder.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// scraper's tree sink, also noting each node's depth as it is inserted and
/// the last element the tree builder asked the name of.
struct DepthSink {
    inner: HtmlTreeSink,
    depth: RefCell<HashMap<NodeId, u32>>,
    named: Cell<Option<NodeId>>,
}

impl DepthSink {
    fn depth_of(&self, node: NodeId) -> u32 {
        self.depth.borrow().get(&node).copied().unwrap_or(0)
    }

    fn placed(&self, node: &NodeOrText<NodeId>, depth: u32) {
        if let NodeOrText::AppendNode(id) = node {
            self.depth.borrow_mut().insert(*id, depth);
        }
    }
}

impl TreeSink for DepthSink {
    type Handle = NodeId;
    type Output = Html;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: std::borrow::Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.named.set(Some(*target));
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.placed(&child, self.depth_of(*parent) + 1);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent = self
            .inner
            .0
            .borrow()
            .tree
            .get(*element)
            .is_some_and(|n| n.parent().is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn mark_script_already_started(&self, node: &NodeId) {
        self.inner.mark_script_already_started(node);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.placed(&new_node, self.depth_of(*sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        // The moved children's own depth is updated; their descendants keep
        // theirs (off by the few levels the adoption agency moves at most).
        let depth = self.depth_of(*new_parent) + 1;
        {
            let html = self.inner.0.borrow();
            if let Some(n) = html.tree.get(*node) {
                let mut map = self.depth.borrow_mut();
                for child in n.children() {
                    map.insert(child.id(), depth);
                }
            }
        }
        self.inner.reparent_children(node, new_parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Selector;

    fn depth_of_deepest(html: &Html) -> usize {
        html.tree
            .nodes()
            .filter(|n| n.value().is_element())
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_sane_page_is_parsed_as_scraper_parses_it() {
        let page = r#"<!doctype html><html><head><title>t</title>
            <script type="application/ld+json">{"a": "<b>"}</script></head>
            <body><table><tr><td>1<td>2</table><ul><li>a<li>b</ul>
            <p>one<p>two <b>bold <i>both</b> italic</i><br><img src=x>
            <svg><path d="M0"/></svg><select><option>x</select></body></html>"#;
        let ours = parse_document(page);
        assert_eq!(ours.flattened, 0);
        assert_eq!(ours.html.html(), Html::parse_document(page).html());
    }

    #[test]
    fn deep_nesting_is_flattened_and_what_follows_is_kept() {
        let n = 5_000;
        let page = format!(
            "<body>{}deep{}<p class=after>after</p><br></body>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let parsed = parse_document(&page);
        assert!(
            parsed.flattened >= n - MAX_DEPTH as usize,
            "{}",
            parsed.flattened
        );
        assert!(depth_of_deepest(&parsed.html) <= MAX_DEPTH as usize + 1);
        let after = Selector::parse("body > p.after").unwrap();
        let p = parsed.html.select(&after).next().expect("p after the nest");
        assert_eq!(p.text().collect::<String>(), "after");
        assert!(parsed.html.root_element().text().any(|t| t == "deep"));
    }

    #[test]
    fn void_elements_deep_down_are_kept() {
        let n = 1_000;
        let page = format!(
            "{}<meta itemprop=x content=y>{}",
            "<span>".repeat(n),
            "</span>".repeat(n)
        );
        let parsed = parse_document(&page);
        let meta = Selector::parse("meta[itemprop]").unwrap();
        assert_eq!(parsed.html.select(&meta).count(), 1);
    }

    #[test]
    fn capped_serialisation_keeps_whole_characters() {
        let parsed = parse_document("<div id=d>ééééé<b>x</b></div>");
        let sel = Selector::parse("#d").unwrap();
        let d = parsed.html.select(&sel).next().unwrap();
        assert_eq!(inner_html_capped(d, 1000), "ééééé<b>x</b>");
        assert_eq!(inner_html_capped(d, 5), "éé");
        assert_eq!(html_capped(d, 1000), "<div id=\"d\">ééééé<b>x</b></div>");
        assert_eq!(text_capped(d, 1000), "éééééx");
        assert_eq!(text_capped(d, 5), "éé");
    }
}

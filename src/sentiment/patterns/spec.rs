//! What a built-in complaint pattern is, for the per-language data files
//! (`nl`, `en`) and the engine that compiles them. Only the type.

/// One built-in pattern: a name shown in reasons, its regex, and the
/// valence it adds (VADER scale, about one strong negative word). `#D` in
/// the regex stands for the language's duration.
pub(super) struct Spec {
    pub name: &'static str,
    pub regex: &'static str,
    pub valence: f32,
    /// Literals of which at least one must occur before the regex runs: a
    /// cheap gate for patterns that open with common words ("al", "a", "2").
    pub needs: &'static [&'static str],
}

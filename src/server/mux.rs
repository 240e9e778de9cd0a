//! A small mirror of gorilla/mux, the router dockerd's API server uses.
//!
//! moby `api/server/server.go` (`createMux`, v20.10.24) builds a
//! `*mux.Router` (github.com/gorilla/mux, vendored in moby) and registers
//! every API route twice: once under the version prefix
//! `/v{version:[0-9.]+}` and once without it. gorilla/mux keeps its routes
//! in a slice, in registration order, and the first route whose matchers
//! all agree wins. This file does the same, by hand, because the mux is one
//! of the lessons (see walkthroughs/03-the-mux.md):
//!
//! - a route is a path *template* plus an optional method: `{name}` matches
//!   one path segment (`[^/]+`), `{name:re}` matches `re`;
//! - routes are tried in order; the first full match wins and hands its
//!   variables to the handler;
//! - a route whose path matches but whose method does not is remembered
//!   ("method mismatch") and the search goes on; if nothing else matches,
//!   the MethodNotAllowed handler answers (moby sets it to the same 404
//!   handler as NotFound);
//! - before matching, the path is cleaned (`path.Clean`); a path that
//!   changes is answered with a 301 to the clean one, as gorilla does.
//!
//! gorilla/mux compiles each template into a Go regexp. We support exactly
//! the patterns moby's route table uses (`[^/]+`, `.*`, `.+` and character
//! classes such as `[0-9.]+`) with a small backtracking matcher instead of a
//! regex engine: it is easier to read, and it keeps a match over the whole
//! table well under the 2 µs budget (see `benches/mux.rs`).

use std::collections::HashMap;

use hyper::Method;

/// One piece of a parsed template.
#[derive(Debug, Clone)]
enum Token {
    /// Literal text, matched byte for byte.
    Lit(String),
    /// A variable: its name and what it may match.
    Var { name: String, class: VarClass },
}

/// What a `{name:pattern}` variable may match. The byte set of `Class` is
/// boxed so that every `Token` stays small (256 flags inline would make
/// each literal token carry them too).
#[derive(Debug, Clone)]
enum VarClass {
    /// `{name}`: gorilla's default `[^/]+`, one non-empty path segment.
    Segment,
    /// `.*`: anything, slashes included, possibly empty.
    Any,
    /// `.+`: anything, slashes included, at least one byte.
    AnyNonEmpty,
    /// `[...]+` or `[...]*`: bytes from a set (`[0-9.]+` for the version).
    Class { set: Box<[bool; 256]>, min: usize },
}

impl VarClass {
    fn parse(pattern: &str) -> Result<VarClass, String> {
        match pattern {
            "" | "[^/]+" => Ok(VarClass::Segment),
            ".*" => Ok(VarClass::Any),
            ".+" => Ok(VarClass::AnyNonEmpty),
            p if p.starts_with('[') && (p.ends_with("]+") || p.ends_with("]*")) => {
                let min = if p.ends_with('+') { 1 } else { 0 };
                let inner = &p[1..p.len() - 2];
                let bytes = inner.as_bytes();
                let (negate, bytes) = match bytes.first() {
                    Some(b'^') => (true, &bytes[1..]),
                    _ => (false, bytes),
                };
                let mut set = [negate; 256];
                let mut i = 0;
                while i < bytes.len() {
                    if i + 2 < bytes.len() && bytes[i + 1] == b'-' {
                        for b in bytes[i]..=bytes[i + 2] {
                            set[b as usize] = !negate;
                        }
                        i += 3;
                    } else {
                        set[bytes[i] as usize] = !negate;
                        i += 1;
                    }
                }
                Ok(VarClass::Class {
                    set: Box::new(set),
                    min,
                })
            }
            other => Err(format!("unsupported variable pattern {other:?}")),
        }
    }

    fn accepts(&self, b: u8) -> bool {
        match self {
            VarClass::Segment => b != b'/',
            VarClass::Any | VarClass::AnyNonEmpty => true,
            VarClass::Class { set, .. } => set[b as usize],
        }
    }

    fn min_len(&self) -> usize {
        match self {
            VarClass::Any => 0,
            VarClass::Class { min, .. } => *min,
            _ => 1,
        }
    }
}

/// A parsed path template such as `/v{version:[0-9.]+}/containers/{name:.*}/json`.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    tokens: Vec<Token>,
}

impl Template {
    /// Parse a gorilla/mux template. Panics on a malformed template: route
    /// tables are written by us, at start-up, and a typo there is a bug.
    pub fn parse(source: &str) -> Template {
        Self::try_parse(source).unwrap_or_else(|e| panic!("bad route template {source:?}: {e}"))
    }

    pub fn try_parse(source: &str) -> Result<Template, String> {
        let mut tokens = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest.find('}').ok_or("unclosed '{'")?;
                    let inner = &rest[1..end];
                    let (name, pattern) = match inner.split_once(':') {
                        Some((n, p)) => (n, p),
                        None => (inner, ""),
                    };
                    if name.is_empty() {
                        return Err("empty variable name".into());
                    }
                    tokens.push(Token::Var {
                        name: name.to_string(),
                        class: VarClass::parse(pattern)?,
                    });
                    rest = &rest[end + 1..];
                }
                Some(i) => {
                    tokens.push(Token::Lit(rest[..i].to_string()));
                    rest = &rest[i..];
                }
                None => {
                    tokens.push(Token::Lit(rest.to_string()));
                    rest = "";
                }
            }
        }
        Ok(Template {
            source: source.to_string(),
            tokens,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Match a whole path. On success, `caps` holds one `(start, end)` byte
    /// range per variable, in template order.
    fn matches(&self, path: &[u8], caps: &mut Vec<(usize, usize)>) -> bool {
        caps.clear();
        match_tokens(&self.tokens, path, 0, caps)
    }

    fn var_names(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Var { name, .. } => Some(name.as_str()),
            Token::Lit(_) => None,
        })
    }
}

/// The backtracking matcher: literals must match exactly; a variable takes
/// as many bytes as it can (Go's regexps are greedy too) and gives them back
/// one at a time until the rest of the template matches.
fn match_tokens(tokens: &[Token], path: &[u8], pos: usize, caps: &mut Vec<(usize, usize)>) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return pos == path.len();
    };
    match first {
        Token::Lit(lit) => {
            let lit = lit.as_bytes();
            path.len() >= pos + lit.len()
                && &path[pos..pos + lit.len()] == lit
                && match_tokens(rest, path, pos + lit.len(), caps)
        }
        Token::Var { class, .. } => {
            // How far this variable could reach at most.
            let mut max = pos;
            if matches!(class, VarClass::Any | VarClass::AnyNonEmpty) {
                // `.*` and `.+` take every byte: no need to look at them.
                max = path.len();
            } else {
                while max < path.len() && class.accepts(path[max]) {
                    max += 1;
                }
            }
            let min = pos + class.min_len();
            if max < min {
                return false;
            }
            // When nothing follows, the variable must take everything.
            if rest.is_empty() {
                if max == path.len() {
                    caps.push((pos, max));
                    return true;
                }
                return false;
            }
            // No giving back when the next literal starts with a byte this
            // variable cannot take (`{version:[0-9.]+}` then `/...`,
            // `{name}` then `/...`): every shorter end would leave a byte
            // the literal cannot start with, so only the greedy end can
            // match. This keeps a versioned template from being tried
            // once per digit of the version, and changes no result.
            if let Some(Token::Lit(lit)) = rest.first() {
                if lit.as_bytes().first().is_some_and(|&b| !class.accepts(b)) {
                    let mark = caps.len();
                    caps.push((pos, max));
                    if match_tokens(rest, path, max, caps) {
                        return true;
                    }
                    caps.truncate(mark);
                    return false;
                }
            }
            let mark = caps.len();
            let mut end = max;
            loop {
                caps.truncate(mark);
                caps.push((pos, end));
                if match_tokens(rest, path, end, caps) {
                    return true;
                }
                if end == min {
                    caps.truncate(mark);
                    return false;
                }
                end -= 1;
            }
        }
    }
}

/// Why a route did not match, one byte per route tried (see [`MatchReport::misses`]).
pub mod miss {
    /// The path did not fit the template.
    pub const PATH: u8 = b'p';
    /// The path fit, the method did not (gorilla's `ErrMethodMismatch`).
    pub const METHOD: u8 = b'm';
    /// One side has the `/v{version}` prefix and the other has not.
    pub const VERSION: u8 = b'v';
}

/// One registered route, as gorilla/mux keeps it.
pub struct MuxRoute<H> {
    /// `None` matches any method (the debug routes and the catch-all).
    pub method: Option<Method>,
    pub template: Template,
    /// Whether the template starts with the version matcher.
    pub versioned: bool,
    /// The literal text that must come first: right after the version for
    /// a versioned template (`/containers/` in
    /// `/v{version:[0-9.]+}/containers/{name:.*}/json`), at the start for
    /// the others. Comparing it first rejects most routes with one short
    /// `memcmp`, without running the matcher (see [`Mux::find`]).
    lead: Box<[u8]>,
    pub handler: H,
}

/// The result of matching one request.
pub enum MatchOutcome<'a, H> {
    /// Route `index` matched; its variables.
    Matched {
        index: usize,
        route: &'a MuxRoute<H>,
        vars: HashMap<String, String>,
    },
    /// The path is not clean; gorilla answers 301 to this location.
    Redirect { location: String },
    /// Nothing matched. `method_mismatch` says whether some route matched
    /// the path but not the method (gorilla then uses
    /// MethodNotAllowedHandler instead of NotFoundHandler).
    NotFound { method_mismatch: bool },
}

/// A report of the search, for the trace: how many routes were tried and
/// why each one failed, one [`miss`] byte per route.
#[derive(Default)]
pub struct MatchReport {
    pub tried: usize,
    pub misses: Vec<u8>,
    /// Whether to fill `misses`. The server asks only while somebody
    /// listens to the trace: growing the list costs a few allocations a
    /// request, for nobody.
    pub record_misses: bool,
}

impl MatchReport {
    /// A report that records why each route missed.
    pub fn recording() -> Self {
        MatchReport {
            record_misses: true,
            ..Default::default()
        }
    }
}

/// The router: an ordered list of routes.
pub struct Mux<H> {
    routes: Vec<MuxRoute<H>>,
}

impl<H> Default for Mux<H> {
    fn default() -> Self {
        Mux { routes: Vec::new() }
    }
}

/// The version matcher moby puts in front of every route.
pub const VERSION_MATCHER: &str = "/v{version:[0-9.]+}";

impl<H> Mux<H> {
    pub fn new() -> Self {
        Self::default()
    }

    /// gorilla's `m.Path(template).Methods(method).Handler(h)`.
    pub fn handle(&mut self, method: Option<Method>, template: &str, handler: H) {
        let template = Template::parse(template);
        let versioned = template.as_str().starts_with(VERSION_MATCHER);
        // Tokens of a versioned template: Lit("/v"), Var(version), Lit(lead), ...
        let lead_token = if versioned { 2 } else { 0 };
        let lead = match template.tokens.get(lead_token) {
            Some(Token::Lit(l)) => l.as_bytes().into(),
            _ => Box::default(),
        };
        self.routes.push(MuxRoute {
            method,
            template,
            versioned,
            lead,
            handler,
        });
    }

    pub fn routes(&self) -> &[MuxRoute<H>] {
        &self.routes
    }

    /// Find the route for `method` and `path`, in registration order.
    pub fn find<'a>(
        &'a self,
        method: &Method,
        path: &str,
        report: &mut MatchReport,
    ) -> MatchOutcome<'a, H> {
        report.tried = 0;
        report.misses.clear();
        if report.record_misses {
            // One allocation for the whole walk, not one each time the
            // list doubles on its way to a hundred-odd routes.
            report.misses.reserve(self.routes.len());
        }
        if let Some(clean) = clean_path(path) {
            return MatchOutcome::Redirect { location: clean };
        }
        let bytes = path.as_bytes();
        let version_end = version_prefix_end(bytes);
        let path_versioned = version_end.is_some();
        // What follows `/v1.41` in a versioned path: where a versioned
        // route's lead literal must start.
        let after_version = &bytes[version_end.unwrap_or(0)..];
        let mut caps = Vec::with_capacity(4);
        let mut method_mismatch = false;
        for (index, route) in self.routes.iter().enumerate() {
            report.tried += 1;
            // The quick check, which changes no outcome: a versioned route
            // needs a versioned path, and every route needs its lead
            // literal in place. gorilla runs each route's regexp instead;
            // skipping that for routes that cannot match keeps a walk over
            // the whole table (a 404, or a route near its end) short.
            let quick_miss = if route.versioned {
                !path_versioned || !after_version.starts_with(&route.lead)
            } else {
                !bytes.starts_with(&route.lead)
            };
            if quick_miss || !route.template.matches(bytes, &mut caps) {
                if report.record_misses {
                    report.misses.push(if route.versioned != path_versioned {
                        miss::VERSION
                    } else {
                        miss::PATH
                    });
                }
                continue;
            }
            if let Some(m) = &route.method {
                if m != method {
                    method_mismatch = true;
                    if report.record_misses {
                        report.misses.push(miss::METHOD);
                    }
                    continue;
                }
            }
            let vars = route
                .template
                .var_names()
                .zip(caps.iter())
                .map(|(name, &(s, e))| (name.to_string(), path[s..e].to_string()))
                .collect();
            return MatchOutcome::Matched { index, route, vars };
        }
        MatchOutcome::NotFound { method_mismatch }
    }
}

/// Where the `/v<digits and dots>` prefix of a path ends, if it has one
/// followed by `/` or the end of the path. `{version:[0-9.]+}` is greedy and
/// every versioned template continues with `/`, so a versioned route can
/// only match a path with this prefix, and its version always ends here.
fn version_prefix_end(path: &[u8]) -> Option<usize> {
    if path.len() < 3 || &path[..2] != b"/v" {
        return None;
    }
    let mut i = 2;
    while i < path.len() && (path[i].is_ascii_digit() || path[i] == b'.') {
        i += 1;
    }
    (i > 2 && (i == path.len() || path[i] == b'/')).then_some(i)
}

/// Go's `url.PathUnescape`, which `net/http` applies to the request target
/// before any handler sees it: gorilla/mux (without `UseEncodedPath`, as
/// moby uses it) matches routes against this decoded `req.URL.Path`, so
/// `/containers/a%2Db/json` names container `a-b`, and `%2F` becomes a `/`
/// that takes part in matching. `+` stays a `+` in a path. A `%` without
/// two hex digits after it is `None`: Go's server refuses such a request
/// line with a bare 400 before the router runs. The decoding itself is
/// the query's too (`httputils::unescape`).
pub fn unescape_path(p: &str) -> Option<std::borrow::Cow<'_, str>> {
    crate::server::httputils::unescape(p, false).ok()
}

/// Go's `url.URL.EscapedPath` for a path set by hand (gorilla's redirect
/// to the cleaned path): every byte but letters, digits, `-_.~` and
/// `$&+,/:;=@` is written as `%XX`.
pub fn escape_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// gorilla/mux's `cleanPath`: Go's `path.Clean`, keeping a trailing slash.
/// Returns `Some(clean)` only when the path changes.
pub fn clean_path(p: &str) -> Option<String> {
    if !p.is_empty()
        && p.starts_with('/')
        && !p.contains("//")
        && !p.contains("/./")
        && !p.contains("/../")
        && !p.ends_with("/.")
        && !p.ends_with("/..")
    {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut clean = String::from("/");
    clean.push_str(&out.join("/"));
    if p.ends_with('/') && clean != "/" {
        clean.push('/');
    }
    if clean == p {
        None
    } else {
        Some(clean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Go's `url.PathUnescape` and `EscapedPath` do with the paths
    /// dockerd's clients send.
    #[test]
    fn paths_unescape_and_escape_as_go_does() {
        assert_eq!(unescape_path("/a%2Db/json").unwrap(), "/a-b/json");
        assert_eq!(unescape_path("/a%2fb+c").unwrap(), "/a/b+c");
        assert_eq!(unescape_path("/plain").unwrap(), "/plain");
        assert!(unescape_path("/%zz").is_none());
        assert!(unescape_path("/%4").is_none());
        assert_eq!(unescape_path("/%ff").unwrap(), "/\u{fffd}");
        assert_eq!(escape_path("/a b/c:d@e"), "/a%20b/c:d@e");
        assert_eq!(escape_path("/x?y#z"), "/x%3Fy%23z");
    }

    fn vars(template: &str, path: &str) -> Option<Vec<String>> {
        let t = Template::parse(template);
        let mut caps = Vec::new();
        t.matches(path.as_bytes(), &mut caps)
            .then(|| caps.iter().map(|&(s, e)| path[s..e].to_string()).collect())
    }

    /// `.*` is greedy and gives bytes back until the rest matches, so a
    /// name may contain slashes and even the route's own suffix (gorilla's
    /// regexp does the same).
    #[test]
    fn any_is_greedy_with_backtracking() {
        assert_eq!(
            vars(
                "/images/{name:.*}/json",
                "/images/docker.io/library/busybox:latest/json"
            ),
            Some(vec!["docker.io/library/busybox:latest".to_string()])
        );
        assert_eq!(
            vars("/containers/{name:.*}/json", "/containers/a/json/json"),
            Some(vec!["a/json".to_string()])
        );
        assert_eq!(vars("/containers/{name:.*}/json", "/containers/json"), None);
    }

    /// A version or a segment followed by `/` takes exactly what it can
    /// (the no-backtracking shortcut) and still rejects what gorilla
    /// rejects.
    #[test]
    fn version_and_segment_end_at_the_slash() {
        assert_eq!(
            vars(
                "/v{version:[0-9.]+}/containers/{name}/checkpoints/{checkpoint}",
                "/v1.41/containers/c1/checkpoints/k"
            ),
            Some(vec!["1.41".to_string(), "c1".to_string(), "k".to_string()])
        );
        assert_eq!(
            vars("/v{version:[0-9.]+}/version", "/v1..41/version"),
            Some(vec!["1..41".to_string()])
        );
        assert_eq!(vars("/v{version:[0-9.]+}/version", "/v/version"), None);
        assert_eq!(vars("/v{version:[0-9.]+}/version", "/vabc/version"), None);
        assert_eq!(
            vars(
                "/containers/{name}/checkpoints/{c}",
                "/containers/a/b/checkpoints/k"
            ),
            None
        );
        assert_eq!(vars("/networks/{id:.+}", "/networks/"), None);
    }
}

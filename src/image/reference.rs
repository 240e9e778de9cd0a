//! Docker image references: parsing, normalising, familiar forms.
//!
//! Mirrors `github.com/docker/distribution/reference` as vendored by moby
//! v20.10.24 (`normalize.go`, `reference.go`, `regexp.go`). The grammar:
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [domain '/'] path-component ['/' path-component]*
//! domain         := domain-component ['.' domain-component]* [':' port-number]
//! path-component := [a-z0-9]+ (separator [a-z0-9]+)*     separator := [_.] | __ | -+
//! tag            := [\w][\w.-]{0,127}
//! digest         := algorithm ":" hex{32,}
//! ```
//!
//! The Go package matches these with regular expressions; we have no regex
//! crate, so each production is a small hand-written function instead.
//! Normalising (`ParseNormalizedNamed`) turns the familiar `busybox` into
//! `docker.io/library/busybox`, and `familiar()` turns it back.

use crate::errdefs::{Error, Result};

/// The default registry of familiar names.
pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag `TagNameOnly` adds to a bare name.
pub const DEFAULT_TAG: &str = "latest";
/// `NameTotalLengthMax`.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A named reference, normalised: `domain/path[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Named {
    pub domain: String,
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// What `ParseAnyReference` returns: a name, or a bare digest (an image id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyReference {
    Named(Named),
    /// `sha256:<hex>`, from a 64-hex id or a `sha256:...` digest.
    Digest(String),
}

impl Named {
    /// `Name()`: `docker.io/library/busybox`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// `String()`: the full normalised form.
    pub fn string(&self) -> String {
        let mut s = self.name();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// `FamiliarName()`: `busybox`, `user/app`, `localhost:5000/x`.
    pub fn familiar_name(&self) -> String {
        if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                // Only `library/x`, not `library/x/y`, loses its prefix.
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        }
    }

    /// `FamiliarString()`: `busybox:latest`, `busybox@sha256:...`.
    pub fn familiar(&self) -> String {
        let mut s = self.familiar_name();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// `TagNameOnly`: a bare name gets `:latest`; tagged or digested
    /// references are left alone.
    pub fn tag_name_only(mut self) -> Named {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some(DEFAULT_TAG.to_string());
        }
        self
    }

    /// `WithTag`: replace the tag (dropping any digest) after checking it.
    pub fn with_tag(&self, tag: &str) -> Result<Named> {
        if !is_tag(tag) {
            return Err(Error::invalid_parameter("invalid tag format"));
        }
        Ok(Named {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        })
    }

    /// Whether this is a `Canonical` (digested) reference.
    pub fn is_canonical(&self) -> bool {
        self.digest.is_some()
    }
}

/// `anchoredIdentifierRegexp`: exactly 64 lowercase hex digits.
pub fn is_identifier(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `ParseNormalizedNamed`: a familiar or full name into its normalised
/// form. Errors carry dockerd's texts and are invalid-parameter (400).
pub fn parse_normalized_named(s: &str) -> Result<Named> {
    if is_identifier(s) {
        return Err(Error::invalid_parameter(format!(
            "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        )));
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote_name = match remainder.find(':') {
        Some(i) => &remainder[..i],
        None => &remainder[..],
    };
    if remote_name.to_lowercase() != remote_name {
        return Err(Error::invalid_parameter(
            "invalid reference format: repository name must be lowercase",
        ));
    }
    parse(&format!("{domain}/{remainder}"))
}

/// `ParseAnyReference`: an id (64 hex), a digest, or a name.
pub fn parse_any_reference(s: &str) -> Result<AnyReference> {
    if is_identifier(s) {
        return Ok(AnyReference::Digest(format!("sha256:{s}")));
    }
    if is_valid_digest(s) {
        return Ok(AnyReference::Digest(s.to_string()));
    }
    parse_normalized_named(s).map(AnyReference::Named)
}

/// `splitDockerDomain`: the first component is a domain only if it has a
/// `.` or a `:` or is `localhost`; otherwise the name lives on Docker Hub.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.find('/') {
        Some(i) if name[..i].contains(['.', ':']) || &name[..i] == "localhost" => {
            (name[..i].to_string(), name[i + 1..].to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

/// `Parse`: a full reference string against the grammar.
fn parse(s: &str) -> Result<Named> {
    match match_reference(s) {
        Some(r) => {
            if r.0.len() > NAME_TOTAL_LENGTH_MAX {
                return Err(Error::invalid_parameter(format!(
                    "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
                )));
            }
            let (name, tag, digest) = r;
            let (domain, path) = split_name(&name);
            if let Some(d) = &digest {
                check_digest(d)?;
            }
            Ok(Named {
                domain,
                path,
                tag,
                digest,
            })
        }
        None if s.is_empty() => Err(Error::invalid_parameter(
            "repository name must have at least one component",
        )),
        None if match_reference(&s.to_lowercase()).is_some() => Err(Error::invalid_parameter(
            "repository name must be lowercase",
        )),
        None => Err(Error::invalid_parameter("invalid reference format")),
    }
}

type Matched = (String, Option<String>, Option<String>);

/// `ReferenceRegexp`: split into name, tag and digest, or `None`.
fn match_reference(s: &str) -> Option<Matched> {
    let (rest, digest) = match s.find('@') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(d) = digest {
        if !is_digest_syntax(d) {
            return None;
        }
    }
    // A `:` after the last `/` starts the tag; one before it is a port.
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        if !is_tag(t) {
            return None;
        }
    }
    if !is_name(name) {
        return None;
    }
    Some((
        name.to_string(),
        tag.map(str::to_string),
        digest.map(str::to_string),
    ))
}

/// `anchoredNameRegexp` split: the first component is the domain when it
/// matches the domain production and more components follow.
fn split_name(name: &str) -> (String, String) {
    match name.find('/') {
        Some(i) if is_domain(&name[..i]) => (name[..i].to_string(), name[i + 1..].to_string()),
        _ => (String::new(), name.to_string()),
    }
}

fn is_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return false,
    };
    // The first component may be a domain (if more follow) or a path.
    let first_ok = is_path_component(first) || (!rest.is_empty() && is_domain(first));
    first_ok && rest.iter().all(|p| is_path_component(p))
}

/// `[a-z0-9]+ (separator [a-z0-9]+)*` with separator `[_.]|__|-+`.
fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__`, or any number of `-`.
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn is_domain(s: &str) -> bool {
    let (host, port) = match s.rfind(':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

/// `[\w][\w.-]{0,127}`.
pub fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|c| word(*c) || *c == b'.' || *c == b'-')
}

/// `DigestRegexp`: `algorithm:hex{32,}` with a loose algorithm grammar.
fn is_digest_syntax(s: &str) -> bool {
    let Some((alg, hex)) = s.split_once(':') else {
        return false;
    };
    !alg.is_empty()
        && alg.as_bytes()[0].is_ascii_alphabetic()
        && alg
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'+' | b'.'))
        && hex.len() >= 32
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

/// `digest.Parse` for the one algorithm we know: `sha256:` + 64 lowercase hex.
fn is_valid_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(is_identifier)
}

fn check_digest(d: &str) -> Result<()> {
    if is_valid_digest(d) {
        Ok(())
    } else if d.starts_with("sha256:") {
        Err(Error::invalid_parameter("invalid checksum digest length"))
    } else {
        Err(Error::invalid_parameter("unsupported digest algorithm"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare name is a Docker Hub official image; its familiar form drops
    /// `docker.io/library/` again.
    #[test]
    fn normalises_familiar_names() {
        let n = parse_normalized_named("busybox").unwrap().tag_name_only();
        assert_eq!(n.string(), "docker.io/library/busybox:latest");
        assert_eq!(n.familiar(), "busybox:latest");
        let n = parse_normalized_named("localhost:5000/x:y").unwrap();
        assert_eq!(n.domain, "localhost:5000");
        assert_eq!(n.familiar(), "localhost:5000/x:y");
        let n = parse_normalized_named("user/app").unwrap();
        assert_eq!(n.string(), "docker.io/user/app");
        assert_eq!(n.familiar_name(), "user/app");
        let d = format!("busybox@sha256:{}", "a".repeat(64));
        let n = parse_normalized_named(&d).unwrap();
        assert!(n.is_canonical());
        assert_eq!(n.familiar(), d);
    }

    /// dockerd's error texts for bad references.
    #[test]
    fn rejects_bad_references() {
        let e = parse_normalized_named("Busybox").unwrap_err();
        assert_eq!(
            e.message,
            "invalid reference format: repository name must be lowercase"
        );
        let e = parse_normalized_named("bad name").unwrap_err();
        assert_eq!(e.message, "invalid reference format");
        let e = parse_normalized_named(&"a".repeat(64)).unwrap_err();
        assert!(e
            .message
            .contains("cannot specify 64-byte hexadecimal strings"));
        assert!(parse_normalized_named("a:b:c").is_err());
        assert!(parse_normalized_named("a__b-c.d--e/f_g:t.1-x").is_ok());
    }

    #[test]
    fn any_reference_accepts_ids() {
        let hex = "b".repeat(64);
        assert_eq!(
            parse_any_reference(&hex).unwrap(),
            AnyReference::Digest(format!("sha256:{hex}"))
        );
        assert!(matches!(
            parse_any_reference("abc123").unwrap(),
            AnyReference::Named(_)
        ));
    }
}

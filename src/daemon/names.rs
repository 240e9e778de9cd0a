//! Container names: validation, reservation, and the generated
//! `adjective_surname` names.
//!
//! Mirrors moby `daemon/names.go` (`reserveName`, `releaseName`,
//! `generateIDAndName`, `generateNewName`), `daemon/names/names.go` (the
//! allowed pattern) and `pkg/namesgenerator` (v20.10.24). moby's generator
//! has 108 adjectives and 237 surnames of scientists and hackers; we keep a
//! shorter list of the same kind, because the point here is the shape
//! (`focused_turing`), not the variety.

use rand::Rng;

use super::Daemon;
use crate::container::store::normalize_name;
use crate::errdefs::{Error, Result};

/// moby `names.RestrictedNameChars`, as the error message shows it.
pub const RESTRICTED_NAME_CHARS: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]";

const LEFT: &[&str] = &[
    "admiring",
    "adoring",
    "affectionate",
    "agitated",
    "amazing",
    "angry",
    "awesome",
    "blissful",
    "bold",
    "brave",
    "busy",
    "charming",
    "clever",
    "cool",
    "compassionate",
    "confident",
    "cranky",
    "dazzling",
    "determined",
    "dreamy",
    "eager",
    "ecstatic",
    "elastic",
    "elegant",
    "epic",
    "festive",
    "focused",
    "friendly",
    "funny",
    "gallant",
    "gifted",
    "goofy",
    "happy",
    "hopeful",
    "hungry",
    "jolly",
    "keen",
    "kind",
    "laughing",
    "loving",
    "lucid",
    "modest",
    "musing",
    "nice",
    "nifty",
    "peaceful",
    "pensive",
    "quirky",
    "relaxed",
    "serene",
    "sharp",
    "silly",
    "sleepy",
    "stoic",
    "sweet",
    "tender",
    "trusting",
    "upbeat",
    "vibrant",
    "wizardly",
    "zealous",
];

const RIGHT: &[&str] = &[
    "albattani",
    "allen",
    "archimedes",
    "babbage",
    "bardeen",
    "bell",
    "bhabha",
    "black",
    "bohr",
    "booth",
    "brattain",
    "cannon",
    "carson",
    "cerf",
    "chandrasekhar",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euler",
    "faraday",
    "fermi",
    "feynman",
    "franklin",
    "galileo",
    "gauss",
    "goldberg",
    "hamilton",
    "hawking",
    "hermann",
    "hodgkin",
    "hopper",
    "hypatia",
    "jennings",
    "kepler",
    "knuth",
    "lamport",
    "liskov",
    "lovelace",
    "mccarthy",
    "meitner",
    "mirzakhani",
    "morse",
    "newton",
    "noether",
    "pascal",
    "pike",
    "ritchie",
    "shannon",
    "sinoussi",
    "stallman",
    "thompson",
    "torvalds",
    "turing",
    "wiles",
    "wozniak",
    "yalow",
];

/// moby `namesgenerator.GetRandomName(retry)`: `adjective_surname`, with a
/// digit 0-9 appended on retries. "boring_wozniak" is never produced,
/// as in moby ("Steve Wozniak is not boring"); our list has no "boring".
pub fn get_random_name(retry: usize) -> String {
    let mut rng = rand::rng();
    let mut name = format!(
        "{}_{}",
        LEFT[rng.random_range(0..LEFT.len())],
        RIGHT[rng.random_range(0..RIGHT.len())]
    );
    if retry > 0 {
        name.push_str(&rng.random_range(0..10).to_string());
    }
    name
}

/// moby `names.RestrictedNamePattern` (`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`),
/// applied after trimming one leading `/`: so at least two characters.
pub fn valid_name(name: &str) -> bool {
    let name = name.strip_prefix('/').unwrap_or(name);
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// moby `stringid.GenerateRandomID`: 32 random bytes as 64 hex characters;
/// an id whose first 12 characters are all digits is drawn again, because
/// the short id becomes the hostname and a numeric hostname confuses
/// resolvers.
pub fn generate_id() -> String {
    loop {
        let bytes: [u8; 32] = rand::rng().random();
        let id = hex::encode(bytes);
        if !id[..12].bytes().all(|b| b.is_ascii_digit()) {
            return id;
        }
    }
}

impl Daemon {
    /// moby `generateIDAndName`: a fresh id, and the requested name
    /// reserved for it, or a generated one. Returns (id, "/name").
    pub(crate) fn generate_id_and_name(&self, name: &str) -> Result<(String, String)> {
        let id = generate_id();
        if name.is_empty() {
            return Ok((id.clone(), self.generate_new_name(&id)));
        }
        let name = self.reserve_name(&id, name)?;
        Ok((id, name))
    }

    /// moby `reserveName`: validate, then reserve. 400 for a bad name, 409
    /// when another container has it.
    pub(crate) fn reserve_name(&self, id: &str, name: &str) -> Result<String> {
        if !valid_name(name) {
            return Err(Error::invalid_parameter(format!(
                "Invalid container name ({name}), only {RESTRICTED_NAME_CHARS} are allowed"
            )));
        }
        let name = normalize_name(name);
        self.containers.reserve_name(&name, id)?;
        Ok(name)
    }

    /// moby `releaseName`.
    pub(crate) fn release_name(&self, name: &str) {
        self.containers.release_name(name);
    }

    /// moby `generateNewName`: six tries at a random name, then the short
    /// id, which cannot collide.
    fn generate_new_name(&self, id: &str) -> String {
        for retry in 0..6 {
            let name = format!("/{}", get_random_name(retry));
            if self.containers.reserve_name(&name, id).is_ok() {
                return name;
            }
        }
        let name = format!("/{}", crate::container::short_id(id));
        let _ = self.containers.reserve_name(&name, id);
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dockerd's name pattern: two characters at least, no leading `_`.
    #[test]
    fn name_pattern() {
        assert!(valid_name("web"));
        assert!(valid_name("/web-1.x_y"));
        assert!(!valid_name("a"));
        assert!(!valid_name("_web"));
        assert!(!valid_name("we b"));
        assert!(!valid_name("web/1"));
    }

    #[test]
    fn ids_and_names() {
        let id = generate_id();
        assert_eq!(id.len(), 64);
        let n = get_random_name(0);
        assert!(n.contains('_') && valid_name(&n));
    }
}

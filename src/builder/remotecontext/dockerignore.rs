//! `.dockerignore`: which of the context's files a build leaves out.
//!
//! Mirrors BuildKit's `frontend/dockerfile/dockerignore` (`ReadAll`) and
//! moby `pkg/fileutils` (`Matches`), v20.10.24. The docker CLI already
//! leaves out what `.dockerignore` lists when it makes the context; it
//! still sends the Dockerfile and `.dockerignore`, because the daemon
//! needs them, and the daemon removes them from the context after reading
//! the Dockerfile when `.dockerignore` lists them (moby
//! `removeDockerfile`), so that `COPY . /app` does not copy them.

use crate::builder::dockerfile::copy::match_fileutils_pattern;

/// moby `dockerignore.ReadAll`: the patterns, cleaned, comments and
/// blank lines dropped, `!` kept in front of exceptions.
pub fn read_all(text: &str) -> Vec<String> {
    let mut excludes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = if pattern.is_empty() {
            String::new()
        } else {
            clean(pattern)
        };
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        excludes.push(if invert {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    excludes
}

/// Go's `filepath.Clean`.
fn clean(path: &str) -> String {
    let abs = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if abs => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// moby `fileutils.Matches`: whether `file` (a clean path relative to the
/// context) is excluded. Each pattern is tried in order against the file
/// and against its parent directories (`dir` excludes `dir/file`); a
/// later match wins, and a `!` pattern that matches includes it again.
pub fn matches(file: &str, patterns: &[String]) -> bool {
    let parent_dirs: Vec<&str> = match file.rsplit_once('/') {
        Some((parent, _)) => parent.split('/').collect(),
        None => Vec::new(),
    };
    let mut matched = false;
    for p in patterns {
        let (negative, pattern) = match p.strip_prefix('!') {
            Some(rest) => (true, clean(rest)),
            None => (false, clean(p)),
        };
        let mut m = match_fileutils_pattern(&pattern, file).unwrap_or(false);
        let dirs = pattern.split('/').count();
        if !m && !parent_dirs.is_empty() && dirs <= parent_dirs.len() {
            m = match_fileutils_pattern(&pattern, &parent_dirs[..dirs].join("/")).unwrap_or(false);
        }
        if m {
            matched = !negative;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns a `.dockerignore` commonly holds, and moby's rules:
    /// later patterns win, `!` re-includes, a directory excludes what is
    /// in it.
    #[test]
    fn dockerignore_rules() {
        let p = read_all("# comment\n\n/Dockerfile\n*.md\n!README.md\nbuild/\n");
        assert_eq!(p, vec!["Dockerfile", "*.md", "!README.md", "build"]);
        assert!(matches("Dockerfile", &p));
        assert!(matches("notes.md", &p));
        assert!(!matches("README.md", &p));
        assert!(matches("build/out/x", &p));
        assert!(!matches(".dockerignore", &p));
        assert!(matches("sub/Dockerfile", &read_all("**/Dockerfile")));
    }
}

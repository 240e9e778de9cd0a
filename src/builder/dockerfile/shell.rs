//! Variable substitution in Dockerfile words: `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR:+alternative}`, `${VAR?message}`, with
//! quotes and escapes processed as a shell would.
//!
//! Mirrors `github.com/moby/buildkit/frontend/dockerfile/shell/lex.go`, as
//! moby v20.10.24 vendors it. The builder expands the arguments of `ENV`,
//! `ARG`, `LABEL`, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`, `EXPOSE`,
//! `COPY`, `ADD` and `FROM` with it, from the image's environment and the
//! build arguments in scope; `RUN`, `CMD` and `ENTRYPOINT` are left to the
//! container's shell.

use std::collections::HashMap;

/// moby `shell.Lex`.
#[derive(Clone, Copy, Debug)]
pub struct Lex {
    escape_token: char,
}

/// moby `BuildEnvs`: `K=V` strings to a map, the last definition winning.
pub fn build_envs(env: &[String]) -> HashMap<String, String> {
    env.iter()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect()
}

impl Lex {
    /// moby `NewLex`.
    pub fn new(escape_token: char) -> Lex {
        Lex { escape_token }
    }

    /// moby `ProcessWord`: the word with its variables substituted and its
    /// quotes removed.
    pub fn process_word(&self, word: &str, env: &[String]) -> Result<String, String> {
        self.process(word, &build_envs(env)).map(|(w, _)| w)
    }

    /// moby `ProcessWordWithMap`.
    pub fn process_word_with_map(
        &self,
        word: &str,
        env: &HashMap<String, String>,
    ) -> Result<String, String> {
        self.process(word, env).map(|(w, _)| w)
    }

    /// moby `ProcessWords`: the same, split into words after the
    /// substitution (`EXPOSE $PORTS` with `PORTS="80 443"`).
    pub fn process_words(&self, word: &str, env: &[String]) -> Result<Vec<String>, String> {
        self.process(word, &build_envs(env)).map(|(_, ws)| ws)
    }

    fn process(
        &self,
        word: &str,
        env: &HashMap<String, String>,
    ) -> Result<(String, Vec<String>), String> {
        let mut sw = ShellWord {
            chars: word.chars().collect(),
            pos: 0,
            envs: env,
            escape_token: self.escape_token,
        };
        sw.process_stop_on(None)
            .map_err(|e| format!("failed to process {word:?}: {e}"))
    }
}

struct ShellWord<'a> {
    chars: Vec<char>,
    pos: usize,
    envs: &'a HashMap<String, String>,
    escape_token: char,
}

/// moby `wordsStruct`: the words of a word, for `ProcessWords`.
#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() && self.in_word {
            if !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }

    fn get_words(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
        }
        self.words
    }
}

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// moby `processStopOn`: up to `stop` (or the end).
    fn process_stop_on(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.get_words()));
            }
            match ch {
                '\'' | '"' | '$' => {
                    let tmp = match ch {
                        '\'' => self.process_single_quote()?,
                        '"' => self.process_double_quote()?,
                        _ => self.process_dollar()?,
                    };
                    result.push_str(&tmp);
                    if ch == '$' {
                        words.add_string(&tmp);
                    } else {
                        words.add_raw_string(&tmp);
                    }
                }
                _ => {
                    let mut ch = self.next().expect("peeked");
                    if ch == self.escape_token {
                        // The escape token escapes the next character;
                        // at the very end it is dropped.
                        match self.next() {
                            None => break,
                            Some(c) => ch = c,
                        }
                        words.add_raw_char(ch);
                    } else {
                        words.add_char(ch);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.get_words()))
    }

    /// moby `processSingleQuote`: everything up to the next `'`, as is.
    fn process_single_quote(&mut self) -> Result<String, String> {
        self.next();
        let mut result = String::new();
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => return Ok(result),
                Some(c) => result.push(c),
            }
        }
    }

    /// moby `processDoubleQuote`: up to the next `"`, with `$` expanded
    /// and `\"`, `\$` and `\\` unescaped.
    fn process_double_quote(&mut self) -> Result<String, String> {
        self.next();
        let mut result = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    return Ok(result);
                }
                Some('$') => result.push_str(&self.process_dollar()?),
                Some(_) => {
                    let mut ch = self.next().expect("peeked");
                    if ch == self.escape_token {
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.escape_token => {
                                ch = self.next().expect("peeked");
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// moby `processDollar`.
    fn process_dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(self.get_env(&name).unwrap_or_default());
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.process_name();
        match self.next() {
            Some('}') => Ok(self.get_env(&name).unwrap_or_default()),
            Some('?') => {
                let word = self.stop_on_brace()?;
                match self.get_env(&name) {
                    Some(v) => Ok(v),
                    None => Err(format!(
                        "{name}: {}",
                        if word.is_empty() {
                            "is not allowed to be unset"
                        } else {
                            &word
                        }
                    )),
                }
            }
            Some(':') => {
                let modifier = self.next();
                let word = self.stop_on_brace()?;
                let value = self.get_env(&name);
                match modifier {
                    Some('+') => Ok(match value {
                        Some(v) if !v.is_empty() => word,
                        _ => String::new(),
                    }),
                    Some('-') => Ok(match value {
                        Some(v) if !v.is_empty() => v,
                        _ => word,
                    }),
                    Some('?') => match value {
                        None => Err(format!(
                            "{name}: {}",
                            if word.is_empty() {
                                "is not allowed to be unset"
                            } else {
                                &word
                            }
                        )),
                        Some(v) if v.is_empty() => Err(format!(
                            "{name}: {}",
                            if word.is_empty() {
                                "is not allowed to be empty"
                            } else {
                                &word
                            }
                        )),
                        Some(v) => Ok(v),
                    },
                    other => Err(format!(
                        "unsupported modifier ({}) in substitution",
                        other.map(String::from).unwrap_or_default()
                    )),
                }
            }
            _ => Err("missing ':' in substitution".into()),
        }
    }

    /// The word of `${name:-word}` up to its `}`.
    fn stop_on_brace(&mut self) -> Result<String, String> {
        match self.process_stop_on(Some('}')) {
            Ok((w, _)) => Ok(w),
            Err(_) if self.peek().is_none() => Err("syntax error: missing '}'".into()),
            Err(e) => Err(e),
        }
    }

    /// moby `processName`: letters, digits and `_`; a name starting with
    /// a digit is all digits; one special parameter (`$@`, `$#`, ...).
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// moby `getEnv` (`EqualEnvKeys` is plain equality on Linux).
    fn get_env(&self, name: &str) -> Option<String> {
        self.envs.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str, env: &[&str]) -> Result<String, String> {
        let env: Vec<String> = env.iter().map(|s| s.to_string()).collect();
        Lex::new('\\').process_word(w, &env)
    }

    /// The forms the Dockerfile reference documents, as BuildKit's lexer
    /// expands them.
    #[test]
    fn substitutions() {
        let env = ["A=hello", "E="];
        assert_eq!(word("$A world", &env).unwrap(), "hello world");
        assert_eq!(word("${A}_x", &env).unwrap(), "hello_x");
        assert_eq!(word("${NO:-dflt} ${A:-dflt}", &env).unwrap(), "dflt hello");
        assert_eq!(
            word("${A:+alt}|${E:+alt}|${NO:+alt}", &env).unwrap(),
            "alt||"
        );
        assert_eq!(word("'$A' \"$A\" \\$A", &env).unwrap(), "$A hello $A");
        assert_eq!(word("\"a b\"", &env).unwrap(), "a b");
        assert_eq!(word("$", &env).unwrap(), "$");
        assert_eq!(
            word("${NO?must be set}", &env).unwrap_err(),
            "failed to process \"${NO?must be set}\": NO: must be set"
        );
        assert_eq!(
            word("${A", &env).unwrap_err(),
            "failed to process \"${A\": missing ':' in substitution"
        );
        assert_eq!(
            word("${A:-x", &env).unwrap_err(),
            "failed to process \"${A:-x\": syntax error: missing '}'"
        );
    }

    /// `ProcessWords` splits after substituting, quotes holding words
    /// together.
    #[test]
    fn words() {
        let env = vec!["P=80 443".to_string()];
        let lex = Lex::new('\\');
        assert_eq!(
            lex.process_words("$P 53/udp", &env).unwrap(),
            vec!["80", "443", "53/udp"]
        );
        assert_eq!(lex.process_words("\"$P\"", &env).unwrap(), vec!["80 443"]);
    }
}

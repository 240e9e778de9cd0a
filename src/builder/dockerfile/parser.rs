//! The Dockerfile parser: text to a list of instruction nodes.
//!
//! Mirrors the parser moby v20.10.24 vendors from BuildKit,
//! `github.com/moby/buildkit/frontend/dockerfile/parser` (`parser.go`,
//! `line_parsers.go`, `split_command.go`). It knows the syntax only:
//!
//! - parser directives (`# escape=\``) before anything else;
//! - comments (a line whose first non-blank character is `#`) and blank
//!   lines are skipped, also inside a continued instruction;
//! - a line ending in the escape character (`\`) continues on the next;
//!   the continuation's leading blanks are kept, as moby keeps them;
//! - the instruction word is case-insensitive; `--flag=value` words after
//!   it are the instruction's flags;
//! - each instruction's arguments are split by that instruction's rule:
//!   JSON array or shell string (`RUN`, `CMD`, `ENTRYPOINT`, `SHELL`),
//!   JSON array or words (`COPY`, `ADD`, `VOLUME`), `key=value` pairs
//!   (`ENV`, `LABEL`), and so on.
//!
//! What the instructions mean is `instructions.rs`; variables are
//! substituted later, step by step (`shell.rs`).

use std::fmt;

/// moby `parser.Node` for one instruction. moby keeps the arguments as a
/// linked list of nodes; a vector says the same.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    /// The instruction, lower case (`run`).
    pub value: String,
    /// The arguments as the instruction's rule split them; for `ONBUILD`
    /// the trigger's instruction followed by its arguments.
    pub args: Vec<String>,
    /// The arguments were a JSON array (moby `Attributes["json"]`).
    pub json: bool,
    /// The whole instruction as written, continuations joined.
    pub original: String,
    /// `--flag=value` words after the instruction.
    pub flags: Vec<String>,
    /// First and last line of the instruction in the file, from 1.
    pub start_line: usize,
    pub end_line: usize,
}

/// moby `parser.Result`.
#[derive(Clone, Debug, Default)]
pub struct ParseResult {
    pub children: Vec<Node>,
    pub escape_token: char,
    pub warnings: Vec<String>,
}

/// A parse error, with the line it was found on (moby wraps errors with
/// their location; the text the client sees is the message alone).
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub line: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn err(message: impl Into<String>) -> ParseError {
    ParseError {
        message: message.into(),
        line: 0,
    }
}

/// moby `DefaultEscapeToken`.
pub const DEFAULT_ESCAPE_TOKEN: char = '\\';

/// moby `directives`: the escape token, and whether directives may still
/// come.
struct Directives {
    escape_token: char,
    done: bool,
    seen: Vec<String>,
}

impl Directives {
    fn new() -> Directives {
        Directives {
            escape_token: DEFAULT_ESCAPE_TOKEN,
            done: false,
            seen: Vec::new(),
        }
    }

    /// moby `possibleParserDirective`: `# escape=X` and `# syntax=...`,
    /// only before any instruction or other comment, each only once.
    fn possible_parser_directive(&mut self, line: &str) -> Result<(), ParseError> {
        if self.done {
            return Ok(());
        }
        let Some((key, value)) = parse_directive(line) else {
            self.done = true;
            return Ok(());
        };
        let key = key.to_lowercase();
        if key != "escape" && key != "syntax" {
            self.done = true;
            return Ok(());
        }
        if self.seen.contains(&key) {
            return Err(err(format!("only one {key} parser directive can be used")));
        }
        self.seen.push(key.clone());
        if key == "escape" {
            match value.as_str() {
                "`" => self.escape_token = '`',
                "\\" => self.escape_token = '\\',
                other => {
                    return Err(err(format!(
                        "invalid escape token '{other}' does not match ` or \\"
                    )))
                }
            }
        }
        Ok(())
    }

    /// moby's `lineContinuationRegex`,
    /// `([^\\])\\[ \t]*$|^\\[ \t]*$` for the escape token `\`: the escape
    /// token as the last non-blank character continues the line, unless
    /// it is itself escaped. Returns the line without it, and whether the
    /// instruction ends here.
    fn trim_continuation<'a>(&self, line: &'a str) -> (&'a str, bool) {
        let trimmed = line.trim_end_matches([' ', '\t']);
        let Some(before) = trimmed.strip_suffix(self.escape_token) else {
            return (line, true);
        };
        match before.chars().last() {
            None => ("", false),
            Some(c) if c == self.escape_token => (line, true),
            Some(_) => (before, false),
        }
    }
}

/// moby `reDirectives`, `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn parse_directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let key_len = rest
        .char_indices()
        .take_while(|(i, c)| {
            if *i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric()
            }
        })
        .count();
    if key_len == 0 {
        return None;
    }
    let (key, rest) = rest.split_at(key_len);
    let value = rest.trim_start().strip_prefix('=')?.trim();
    if value.is_empty() {
        return None;
    }
    Some((key.to_string(), value.to_string()))
}

/// moby `isComment`: the first non-blank character is `#`.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// moby `processLine`: optionally strip the leading blanks, then drop a
/// comment line (moby's `trimComments`, whose pattern `^#.*$` only
/// matches a line that starts with `#`).
fn process_line<'a>(
    d: &mut Directives,
    line: &'a str,
    strip_left: bool,
) -> Result<&'a str, ParseError> {
    let token = if strip_left { line.trim_start() } else { line };
    d.possible_parser_directive(token)?;
    Ok(if token.starts_with('#') { "" } else { token })
}

/// moby `parser.Parse`.
pub fn parse(text: &str) -> Result<ParseResult, ParseError> {
    let mut d = Directives::new();
    let mut children = Vec::new();
    let mut warnings = Vec::new();
    // Go's bufio.Scanner: lines split on \n, a trailing \r dropped.
    let mut lines = text
        .split_inclusive('\n')
        .map(|l| {
            let l = l.strip_suffix('\n').unwrap_or(l);
            l.strip_suffix('\r').unwrap_or(l)
        })
        .enumerate()
        .peekable();
    let mut current_line = 0usize;
    while let Some((i, raw)) = lines.next() {
        let raw = if i == 0 {
            raw.strip_prefix('\u{feff}').unwrap_or(raw)
        } else {
            raw
        };
        let processed = process_line(&mut d, raw, true).map_err(|e| at(e, current_line))?;
        current_line += 1;
        let start_line = current_line;
        let (first, mut is_end) = d.trim_continuation(processed);
        if is_end && first.is_empty() {
            continue;
        }
        let mut line = first.to_string();
        let mut has_empty_continuation_line = false;
        while !is_end {
            let Some((_, next)) = lines.next() else { break };
            let processed = process_line(&mut d, next, false).map_err(|e| at(e, current_line))?;
            current_line += 1;
            if is_comment(next) {
                continue;
            }
            if processed.trim_start().is_empty() {
                has_empty_continuation_line = true;
                continue;
            }
            let (cont, end) = d.trim_continuation(processed);
            line.push_str(cont);
            is_end = end;
        }
        if has_empty_continuation_line {
            warnings.push(format!(
                "[WARNING]: Empty continuation line found in:\n    {line}"
            ));
        }
        let mut node = new_node_from_line(&line, &d).map_err(|e| at(e, start_line))?;
        node.start_line = start_line;
        node.end_line = current_line;
        children.push(node);
    }
    if !warnings.is_empty() {
        warnings.push(
            "[WARNING]: Empty continuation lines will become errors in a future release."
                .to_string(),
        );
    }
    if children.is_empty() {
        return Err(at(err("file with no instructions"), current_line));
    }
    Ok(ParseResult {
        children,
        escape_token: d.escape_token,
        warnings,
    })
}

fn at(mut e: ParseError, line: usize) -> ParseError {
    if e.line == 0 {
        e.line = line;
    }
    e
}

/// moby `newNodeFromLine`: split off the instruction and its flags, then
/// split the arguments by the instruction's rule.
fn new_node_from_line(line: &str, d: &Directives) -> Result<Node, ParseError> {
    let (cmd, flags, args) = split_command(line);
    let (args, json) = match cmd.as_str() {
        "add" | "copy" | "volume" => parse_maybe_json_to_list(&args)?,
        "arg" => (parse_words(&args, d.escape_token), false),
        "cmd" | "entrypoint" | "run" | "shell" => parse_maybe_json(&args)?,
        "env" => (parse_name_val(&args, "ENV", d)?, false),
        "label" => (parse_name_val(&args, "LABEL", d)?, false),
        "expose" | "from" => (split_whitespace(&args), false),
        "healthcheck" => parse_health_config(&args)?,
        "maintainer" | "stopsignal" | "user" | "workdir" => (parse_string(&args), false),
        "onbuild" => {
            // moby `parseSubCommand`: the trigger is parsed as a line of
            // its own; its instruction and arguments become ours.
            if args.is_empty() {
                (Vec::new(), false)
            } else {
                let sub = new_node_from_line(&args, d)?;
                let mut all = vec![sub.value];
                all.extend(sub.args);
                (all, sub.json)
            }
        }
        // moby `parseIgnore`: an unknown instruction parses, with no
        // arguments; `instructions::parse` refuses it.
        _ => (Vec::new(), false),
    };
    Ok(Node {
        value: cmd,
        args,
        json,
        original: line.to_string(),
        flags,
        start_line: 0,
        end_line: 0,
    })
}

/// moby `reWhitespace`: `[\t\v\f\r ]+`.
fn is_re_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// `reWhitespace.Split(s, -1)`.
fn split_whitespace(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(is_re_whitespace)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// moby `splitCommand`: the instruction (lower case), its flags, the
/// rest.
fn split_command(line: &str) -> (String, Vec<String>, String) {
    let line = line.trim();
    let (cmd, rest) = match line.find(is_re_whitespace) {
        Some(i) => {
            let rest = line[i..].trim_start_matches(is_re_whitespace);
            (&line[..i], rest)
        }
        None => (line, ""),
    };
    let (args, flags) = extract_builder_flags(rest);
    (cmd.to_lowercase(), flags, args.trim().to_string())
}

/// moby `extractBuilderFlags`: leading words that start with `--` are
/// flags (quotes and `\` escapes allowed in them); a bare `--` ends them.
fn extract_builder_flags(line: &str) -> (String, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut pos = 0;
    loop {
        let at_end = pos >= chars.len();
        let ch = if at_end { '\0' } else { chars[pos].1 };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ch.is_whitespace() {
                pos += 1;
                continue;
            }
            let next_is_dash = chars.get(pos + 1).map(|c| c.1) == Some('-');
            if ch != '-' || !next_is_dash {
                return (line[chars[pos].0..].to_string(), words);
            }
            phase = Phase::Word;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word);
            }
            break;
        }
        match phase {
            Phase::Word => {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if word == "--" {
                        return (line[chars[pos].0..].to_string(), words);
                    }
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    word.clear();
                    blank_ok = false;
                    pos += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                    pos += 1;
                    continue;
                }
                let mut c = ch;
                if c == '\\' {
                    if pos + 1 == chars.len() {
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    c = chars[pos].1;
                }
                word.push(c);
            }
            Phase::Quote => {
                if ch == quote {
                    phase = Phase::Word;
                    pos += 1;
                    continue;
                }
                let mut c = ch;
                if c == '\\' {
                    if pos + 1 == chars.len() {
                        phase = Phase::Word;
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    c = chars[pos].1;
                }
                word.push(c);
            }
            Phase::Spaces => unreachable!("handled above"),
        }
        pos += 1;
    }
    (String::new(), words)
}

/// moby `parseWords`: words split on blanks, quotes kept (they are
/// removed later, when the word is expanded); the escape token keeps the
/// next character in the word, even a quote or a blank.
fn parse_words(rest: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut pos = 0;
    loop {
        let at_end = pos >= chars.len();
        let mut ch = if at_end { '\0' } else { chars[pos] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if ch.is_whitespace() {
                pos += 1;
                continue;
            }
            phase = Phase::Word;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if pos + 1 == chars.len() {
                    pos += 1;
                    continue;
                }
                word.push(ch);
                pos += 1;
                ch = chars[pos];
            }
            word.push(ch);
            pos += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if pos + 1 == chars.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            word.push(ch);
            ch = chars[pos];
        }
        word.push(ch);
        pos += 1;
    }
    words
}

/// moby `parseNameVal` (`ENV`, `LABEL`): `k=v k2=v2`, or the old
/// `k some value` (the rest of the line is the value).
fn parse_name_val(rest: &str, key: &str, d: &Directives) -> Result<Vec<String>, ParseError> {
    let words = parse_words(rest, d.escape_token);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        let rest = rest.trim_start_matches(is_re_whitespace);
        return match rest.find(is_re_whitespace) {
            Some(i) => Ok(vec![
                rest[..i].to_string(),
                rest[i..].trim_start_matches(is_re_whitespace).to_string(),
            ]),
            None => Err(err(format!("{key} must have two arguments"))),
        };
    }
    let mut out = Vec::new();
    for word in &words {
        let Some((k, v)) = word.split_once('=') else {
            return Err(err(format!(
                "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
            )));
        };
        out.push(k.to_string());
        out.push(v.to_string());
    }
    Ok(out)
}

/// moby `parseString`: the whole rest is one argument.
fn parse_string(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        Vec::new()
    } else {
        vec![rest.to_string()]
    }
}

/// Why a JSON array was not taken.
enum JsonError {
    /// Not JSON, or not an array: the rule falls back to its other form.
    NotJson,
    /// An array with something else than strings: an error
    /// (moby `errDockerfileNotStringArray`).
    NotStringArray,
}

/// moby `parseJSON`: a JSON array of strings. Like Go's
/// `json.Decoder.Decode`, only the first JSON value is read; whatever
/// follows it is ignored.
fn parse_json(rest: &str) -> Result<Vec<String>, JsonError> {
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return Err(JsonError::NotJson);
    }
    let value = serde_json::Deserializer::from_str(rest)
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(|v| v.ok())
        .ok_or(JsonError::NotJson)?;
    let serde_json::Value::Array(items) = value else {
        return Err(JsonError::NotJson);
    };
    items
        .into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Ok(s),
            _ => Err(JsonError::NotStringArray),
        })
        .collect()
}

const ERR_NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// moby `parseMaybeJSON`: a JSON array, or the whole rest as one string.
fn parse_maybe_json(rest: &str) -> Result<(Vec<String>, bool), ParseError> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    match parse_json(rest) {
        Ok(v) => Ok((v, true)),
        Err(JsonError::NotStringArray) => Err(err(ERR_NOT_STRING_ARRAY)),
        Err(JsonError::NotJson) => Ok((vec![rest.to_string()], false)),
    }
}

/// moby `parseMaybeJSONToList`: a JSON array, or blank-separated words.
fn parse_maybe_json_to_list(rest: &str) -> Result<(Vec<String>, bool), ParseError> {
    match parse_json(rest) {
        Ok(v) => Ok((v, true)),
        Err(JsonError::NotStringArray) => Err(err(ERR_NOT_STRING_ARRAY)),
        Err(JsonError::NotJson) => Ok((split_whitespace(rest), false)),
    }
}

/// moby `parseHealthConfig`: the type (`CMD`, `NONE`), then the command
/// as `parseMaybeJSON` takes it.
fn parse_health_config(rest: &str) -> Result<(Vec<String>, bool), ParseError> {
    let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let typ = rest[..sep].to_string();
    let (cmd, json) = parse_maybe_json(rest[sep..].trim_start())?;
    let mut all = vec![typ];
    all.extend(cmd);
    Ok((all, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(text: &str) -> Vec<Node> {
        parse(text).expect("parses").children
    }

    /// Comments, blank lines and continuations, as moby joins them: the
    /// continuation's own leading blanks stay in the instruction's text,
    /// which is what dockerd prints as `Step 2/3 : ENV A=b     C="d e"`.
    #[test]
    fn continuations_and_comments() {
        let n = nodes(
            "# a comment\n\nFROM busybox\nENV A=b \\\n    C=\"d e\"\nRUN echo a \\\n  # inside\n  && echo b\n",
        );
        assert_eq!(n.len(), 3);
        assert_eq!(n[0].value, "from");
        assert_eq!(n[0].args, vec!["busybox"]);
        assert_eq!(n[1].original, "ENV A=b     C=\"d e\"");
        assert_eq!(n[1].args, vec!["A", "b", "C", "\"d e\""]);
        assert_eq!((n[1].start_line, n[1].end_line), (4, 5));
        assert_eq!(n[2].args, vec!["echo a   && echo b"]);
        assert!(!n[2].json);
    }

    /// Instructions are case-insensitive; JSON arrays are the exec form,
    /// anything else the shell form; flags come off before the arguments.
    #[test]
    fn forms_and_flags() {
        let n = nodes(
            "from busybox AS base\ncmd [\"sh\", \"-c\"]\nCOPY --chown=1:2 a b /d/\nRUN [not json\n",
        );
        assert_eq!(n[0].args, vec!["busybox", "AS", "base"]);
        assert_eq!(n[1].args, vec!["sh", "-c"]);
        assert!(n[1].json);
        assert_eq!(n[2].flags, vec!["--chown=1:2"]);
        assert_eq!(n[2].args, vec!["a", "b", "/d/"]);
        assert_eq!(n[3].args, vec!["[not json"]);
    }

    /// moby's parse errors, with their wording.
    #[test]
    fn errors() {
        assert_eq!(
            parse("# only\n").unwrap_err().message,
            "file with no instructions"
        );
        assert_eq!(
            parse("ENV A\n").unwrap_err().message,
            "ENV must have two arguments"
        );
        assert_eq!(
            parse("CMD [\"a\", 1]\n").unwrap_err().message,
            ERR_NOT_STRING_ARRAY
        );
        assert_eq!(
            parse("LABEL a=b c\n").unwrap_err().message,
            "Syntax error - can't find = in \"c\". Must be of the form: name=value"
        );
    }

    /// The old `ENV key value` form takes the rest of the line as the
    /// value; a backtick escape directive changes the continuation token.
    #[test]
    fn old_env_and_escape_directive() {
        let n = nodes("ENV A  hello world\n");
        assert_eq!(n[0].args, vec!["A", "hello world"]);
        let r = parse("# escape=`\nFROM x\nRUN a `\n b\n").unwrap();
        assert_eq!(r.escape_token, '`');
        assert_eq!(r.children[1].args, vec!["a  b"]);
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        assert_eq!(
            parse_words("a=\"x y\" b='z' c\\ d", '\\'),
            vec!["a=\"x y\"", "b='z'", "c\\ d"]
        );
    }
}

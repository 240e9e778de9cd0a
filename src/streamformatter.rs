//! JSON message streams: what `docker build`, `pull` and `load` read line
//! by line.
//!
//! Mirrors moby `pkg/streamformatter/streamformatter.go` and the
//! `JSONMessage`/`JSONError` shapes of `pkg/jsonmessage` (v20.10.24).
//! Every message is one JSON object followed by `\r\n`; the CLI decodes
//! them one after the other. The builder writes through the three
//! formatters moby hands it (`api/types/backend.ProgressWriter`): stdout
//! text as `{"stream": ...}`, stderr text as the same wrapped in a red
//! terminal colour, and results as `{"aux": ...}`.

use serde::Serialize;

/// moby `streamNewline`.
const STREAM_NEWLINE: &[u8] = b"\r\n";

/// Encode a value as Go's `json.Marshal` does. serde_json and Go agree on
/// everything a message holds except that Go also escapes `<`, `>` and
/// `&` (as `\u003c`, `\u003e`, `\u0026`) and the line and paragraph
/// separators U+2028 and U+2029. Those characters can only occur inside
/// JSON strings, so replacing them in the output is the same as Go's
/// escaping. (The json-file log driver does the same in
/// `daemon/logger/jsonfile.rs`.)
pub fn go_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let json = serde_json::to_string(value).unwrap_or_default();
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json.into_bytes();
    }
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .into_bytes()
}

/// One message of the stream, with its `\r\n`.
fn message<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut line = go_json(value);
    line.extend_from_slice(STREAM_NEWLINE);
    line
}

/// moby `jsonmessage.JSONMessage{Stream: s}`: text for the terminal.
/// Bytes that are not UTF-8 become U+FFFD, as Go's encoder makes them.
pub fn format_stream(text: &[u8]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Stream<'a> {
        stream: &'a str,
    }
    message(&Stream {
        stream: &String::from_utf8_lossy(text),
    })
}

/// moby `streamformatter.FormatStatus` with only the status set:
/// `{"status": "..."}`.
pub fn format_status(status: &str) -> Vec<u8> {
    #[derive(Serialize)]
    struct Status<'a> {
        status: &'a str,
    }
    message(&Status { status })
}

/// moby `streamformatter.FormatError`: an error inside a 200 stream. An
/// error that carries a code (moby's `*jsonmessage.JSONError`, which the
/// builder returns for a `RUN` that failed) shows it in `errorDetail`.
pub fn format_error(message_text: &str, code: Option<i64>) -> Vec<u8> {
    #[derive(Serialize)]
    struct ErrorDetail<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<i64>,
        message: &'a str,
    }
    #[derive(Serialize)]
    struct ErrorMessage<'a> {
        #[serde(rename = "errorDetail")]
        error_detail: ErrorDetail<'a>,
        error: &'a str,
    }
    message(&ErrorMessage {
        error_detail: ErrorDetail {
            code,
            message: message_text,
        },
        error: message_text,
    })
}

/// moby `AuxFormatter.Emit("", value)`: `{"aux": value}`, a result the
/// client reads (the built image's id, for `docker build --iidfile`).
pub fn format_aux<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Aux<'a, T: ?Sized> {
        aux: &'a T,
    }
    message(&Aux { aux: value })
}

/// The colour moby's `stderrFormatter` puts around a process's stderr,
/// so that the CLI shows it in red: `\033[91m` ... `\033[0m`.
pub fn stderr_text(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 9);
    out.extend_from_slice(b"\x1b[91m");
    out.extend_from_slice(text);
    out.extend_from_slice(b"\x1b[0m");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines a dockerd 20.10.24 wrote for `docker build` (captured
    /// with curl): Go's escaping of `>` and `&`, the colour around stderr,
    /// the error with its code, and `\r\n` after each.
    #[test]
    fn messages_are_byte_for_byte_dockerds() {
        assert_eq!(
            format_stream(b" ---> 3f677e55f4b4\n"),
            b"{\"stream\":\" ---\\u003e 3f677e55f4b4\\n\"}\r\n"
        );
        assert_eq!(
            format_stream(&stderr_text(b"err\n")),
            b"{\"stream\":\"\\u001b[91merr\\n\\u001b[0m\"}\r\n"
        );
        assert_eq!(
            format_error("The command '/bin/sh -c false >&2' returned a non-zero code: 1", Some(1)),
            "{\"errorDetail\":{\"code\":1,\"message\":\"The command '/bin/sh -c false \\u003e\\u00262' returned a non-zero code: 1\"},\"error\":\"The command '/bin/sh -c false \\u003e\\u00262' returned a non-zero code: 1\"}\r\n".as_bytes()
        );
        assert_eq!(
            format_error("no", None),
            b"{\"errorDetail\":{\"message\":\"no\"},\"error\":\"no\"}\r\n"
        );
        assert_eq!(
            format_aux(&serde_json::json!({"ID": "sha256:ab"})),
            b"{\"aux\":{\"ID\":\"sha256:ab\"}}\r\n"
        );
    }
}

//! Signal names and numbers: what `docker kill -s` and `StopSignal` accept.
//!
//! Mirrors moby `pkg/signal` (v20.10.24: `ParseSignal`, `SignalMap` in
//! `signal_linux.go`, `ValidSignalForPlatform`). The router parses the
//! `signal` query parameter with [`parse_signal`] before it calls the
//! backend, so "Invalid signal" is a 400 that no handler wraps; the
//! daemon then refuses numbers Linux has no signal for
//! ([`valid_signal_for_platform`]).

use crate::errdefs::{Error, Result};

/// Linux signal names, as `docker kill -s` accepts them.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// moby `signal.ParseSignal`: a number, or a name with or without `SIG`.
/// 400 `Invalid signal: x` for an unknown name or 0; any other number
/// parses, and [`valid_signal_for_platform`] judges it.
pub fn parse_signal(raw: &str) -> Result<i32> {
    let invalid = || Error::invalid_parameter(format!("Invalid signal: {raw}"));
    if let Ok(n) = raw.parse::<i32>() {
        return if n == 0 { Err(invalid()) } else { Ok(n) };
    }
    let upper = raw.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .ok_or_else(invalid)
}

/// moby `signal.ValidSignalForPlatform`: a signal Linux has, 1 to 64
/// (the real-time signals included).
pub fn valid_signal_for_platform(sig: i32) -> bool {
    (1..=64).contains(&sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with or without `SIG`, in any case, and numbers parse; an
    /// unknown name and 0 are "Invalid signal"; 999 parses but is no
    /// Linux signal.
    #[test]
    fn signals_parse_as_moby_pkg_signal() {
        assert_eq!(parse_signal("KILL").unwrap(), 9);
        assert_eq!(parse_signal("sigterm").unwrap(), 15);
        assert_eq!(parse_signal("1").unwrap(), 1);
        assert_eq!(
            parse_signal("NOPE").unwrap_err().message,
            "Invalid signal: NOPE"
        );
        assert_eq!(parse_signal("0").unwrap_err().message, "Invalid signal: 0");
        assert_eq!(parse_signal("999").unwrap(), 999);
        assert!(!valid_signal_for_platform(999));
        assert!(valid_signal_for_platform(64));
    }
}

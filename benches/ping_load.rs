//! A tiny HTTP/1.1 load generator over a unix socket, for `benches/load.sh`
//! when `oha` is not installed.
//!
//! Each of `--conns` threads opens one keep-alive connection and sends
//! `GET <path>` back to back for `--secs` seconds, reading each response
//! completely (by `Content-Length`, or chunk by chunk) before sending the
//! next; the total number of responses divided by the time is the rate.
//! It measures what the docker CLI does to a daemon: many small requests
//! on a unix socket, one at a time per connection.
//!
//! ```text
//! cargo bench --bench ping_load -- --socket /run/x.sock --path /_ping --conns 4 --secs 5
//! ```
//!
//! Output: one line, `requests=N seconds=S req_per_s=R errors=E statuses=200:N,...`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    socket: String,
    path: String,
    conns: usize,
    secs: f64,
}

fn parse_args() -> Args {
    let mut a = Args {
        socket: String::new(),
        path: "/_ping".into(),
        conns: 4,
        secs: 5.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--socket" => a.socket = it.next().unwrap_or_default(),
            "--path" => a.path = it.next().unwrap_or_default(),
            "--conns" => a.conns = it.next().and_then(|v| v.parse().ok()).unwrap_or(4),
            "--secs" => a.secs = it.next().and_then(|v| v.parse().ok()).unwrap_or(5.0),
            // `cargo bench` passes `--bench`; ignore what we do not know.
            _ => {}
        }
    }
    if a.socket.is_empty() {
        // A plain `cargo bench` runs every bench target without arguments:
        // this one needs a daemon, so it explains itself and steps aside.
        eprintln!("ping_load: skipped (usage: ping_load --socket PATH [--path /_ping] [--conns 4] [--secs 5]; see benches/load.sh)");
        std::process::exit(0);
    }
    a
}

/// Read one response; returns its status.
fn read_response(r: &mut BufReader<UnixStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len: Option<usize> = None;
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let n = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut buf = vec![0u8; n + 2];
            r.read_exact(&mut buf)?;
            if n == 0 {
                break;
            }
        }
    } else if let Some(n) = len {
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf)?;
    }
    Ok(status)
}

fn main() {
    let args = parse_args();
    let stop = Arc::new(AtomicBool::new(false));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: ping_load\r\n\r\n",
        args.path
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..args.conns)
        .map(|_| {
            let stop = stop.clone();
            let socket = args.socket.clone();
            let request = request.clone();
            std::thread::spawn(move || {
                let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
                let mut errors = 0u64;
                'outer: while !stop.load(Ordering::Relaxed) {
                    let Ok(s) = UnixStream::connect(&socket) else {
                        errors += 1;
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                    let Ok(mut w) = s.try_clone() else {
                        errors += 1;
                        continue;
                    };
                    let mut r = BufReader::new(s);
                    while !stop.load(Ordering::Relaxed) {
                        if w.write_all(request.as_bytes()).is_err() {
                            errors += 1;
                            continue 'outer;
                        }
                        match read_response(&mut r) {
                            Ok(st) => *statuses.entry(st).or_default() += 1,
                            Err(_) => {
                                errors += 1;
                                continue 'outer;
                            }
                        }
                    }
                }
                (statuses, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(args.secs));
    stop.store(true, Ordering::Relaxed);
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut errors = 0;
    for w in workers {
        if let Ok((s, e)) = w.join() {
            for (k, v) in s {
                *statuses.entry(k).or_default() += v;
            }
            errors += e;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let total: u64 = statuses.values().sum();
    let st: Vec<String> = statuses.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    println!(
        "requests={total} seconds={secs:.2} req_per_s={:.0} errors={errors} statuses={}",
        total as f64 / secs,
        st.join(",")
    );
}

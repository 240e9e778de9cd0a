//! The bridge network: a Linux bridge on the host, a veth pair per
//! container, NAT to the outside.
//!
//! Mirrors what libnetwork's bridge driver does for dockerd's bridge
//! networks (moby v20.10.24 vendors it under
//! `vendor/github.com/docker/libnetwork/`: `drivers/bridge/setup_device.go`,
//! `setup_ipv4.go`, `setup_ip_tables.go`, `bridge.go`'s `CreateEndpoint`,
//! and `osl/` for the container's side):
//!
//! 1. at start-up, a bridge (`docker0` there, `mdocker0` here) with the
//!    gateway address, IP forwarding on, and iptables rules that let the
//!    bridge's traffic through the `FORWARD` chain and masquerade what
//!    leaves the host;
//! 2. for each container, a veth pair: one end joins the bridge, the other
//!    is created inside the container's network namespace as `eth0`, with
//!    the container's address, a MAC derived from it (`02:42:` and the four
//!    bytes of the IPv4 address) and a default route via the gateway.
//!
//! When the container's last process exits, its network namespace goes
//! away and the kernel deletes both ends of the veth: there is nothing to
//! clean up per container.
//!
//! dockerd does all of this over netlink. Here the `ip` and `iptables`
//! commands do it (iproute2 and iptables are on every machine that runs
//! containers), which costs a few milliseconds a container and lets a
//! learner replay each step by hand: every command is in the trace. The
//! daemon's own firewall rules carry the comment `mini-dockerd:<bridge>`,
//! so `iptables -S | grep mini-dockerd` shows exactly what it added.
//!
//! dockerd keeps `docker0` and its rules when it stops. mini-dockerd
//! removes its bridge and rules at shutdown when no container is attached
//! any more, so that a daemon started for a lesson or a test leaves the
//! host as it found it. Several daemons may share one bridge (the steps
//! run under a lock file, `/run/mini-dockerd-<bridge>.lock`), but each
//! hands out addresses on its own: give each daemon its own `--bridge`
//! and `--bip`, as with several dockerds.

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};

/// A bridge and its gateway address (`--bridge`, `--bip`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    pub name: String,
    /// The bridge's own address: the containers' gateway.
    pub gateway: Ipv4Addr,
    pub prefix: u8,
}

impl Bridge {
    /// The subnet, `172.18.0.0/16`.
    pub fn subnet(&self) -> String {
        format!(
            "{}/{}",
            network_address(self.gateway, self.prefix),
            self.prefix
        )
    }
}

/// One container's end of the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub bridge: Bridge,
    /// The host's end of the veth pair (`veth` and seven hex digits, as
    /// libnetwork names them).
    pub host_veth: String,
    pub ip: Ipv4Addr,
    pub mac: String,
    /// The name inside the container: `eth0` for the first network,
    /// `eth1` for the next, as libnetwork numbers them.
    pub ifname: String,
    /// Whether the default route goes through this network's gateway
    /// (only the first network's: the others reach their own subnet).
    pub default_route: bool,
}

/// The first address of `ip`'s subnet.
pub fn network_address(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(ip) & mask(prefix))
}

/// The netmask of a prefix length, as a number.
pub fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32) as u32)
    }
}

/// libnetwork's `netutils.GenerateMACFromIP`: `02:42` and the address.
pub fn mac_for(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("02:42:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
}

/// The host's IPv4 routes, (destination, prefix length), from
/// /proc/net/route. libnetwork checks a bridge's subnet against them
/// (`netutils.CheckRouteOverlaps`) so that it never hides a network the
/// host already reaches; `except` leaves out the routes of one interface
/// (our own bridge, still there from an earlier run).
pub fn host_routes(except: &str) -> Vec<(Ipv4Addr, u8)> {
    let text = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 || f[0] == except {
                return None;
            }
            // Little-endian hex, as the kernel prints them.
            let dest = u32::from_str_radix(f[1], 16).ok()?.swap_bytes();
            let m = u32::from_str_radix(f[7], 16).ok()?.swap_bytes();
            if m == 0 {
                return None; // the default route overlaps everything
            }
            Some((Ipv4Addr::from(dest), m.count_ones() as u8))
        })
        .collect()
}

/// Whether two subnets overlap.
pub fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let p = a.1.min(b.1);
    u32::from(a.0) & mask(p) == u32::from(b.0) & mask(p)
}

/// Whether this machine can make bridges: root, and `ip` and `iptables`
/// found. The reason when not.
pub fn probe() -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("not running as root".into());
    }
    for tool in ["ip", "iptables"] {
        if which(tool).is_none() {
            return Err(format!("`{tool}` was not found on PATH"));
        }
    }
    Ok(())
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// Run one command; its stderr is the error.
fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<(), String> {
    let exe = which(program).unwrap_or_else(|| program.into());
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("{program}: {e}"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(input.as_bytes())
            .map_err(|e| format!("{program}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{program}: {e}"))?;
    trace_event!(
        "runtime",
        "event",
        "runtime.network.cmd",
        cmd = format!("{program} {}", args.join(" ")).as_str(),
        ok = out.status.success()
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The bridge's lock, held while it is set up, joined or removed, so that
/// daemons sharing it (or one daemon's parallel starts) never remove it
/// under each other.
struct Lock(File);

impl Lock {
    fn take(bridge: &str) -> Result<Lock, String> {
        let path = format!("/run/mini-dockerd-{bridge}.lock");
        let f = File::create(&path).map_err(|e| format!("{path}: {e}"))?;
        // SAFETY: flock on a file descriptor we own, for as long as `f` lives.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(format!("{path}: {}", std::io::Error::last_os_error()));
        }
        Ok(Lock(f))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // SAFETY: as in `take`; the lock also goes when the file closes.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Held while a daemon picks a subnet and brings its bridge up, so that
/// two daemons on one host never pick the same free pool at once: the
/// first one's route is in place before the second looks at the routes.
pub struct PoolGuard(#[allow(dead_code)] Lock);

/// Take the host's address-pool lock (see [`PoolGuard`]).
pub fn pool_lock() -> Result<PoolGuard, String> {
    Lock::take("pools").map(PoolGuard)
}

/// The rules a bridge needs, as `iptables` arguments after the verb
/// (`-C`, `-I`/`-A`, `-D`): (table, chain, insert at the top?, rule).
/// `others` are the daemon's other bridges: traffic between two networks
/// is dropped, as libnetwork's `DOCKER-ISOLATION` chains drop it, so that
/// containers meet only on a network they share.
fn rules(b: &Bridge, others: &[String]) -> Vec<(&'static str, &'static str, bool, Vec<String>)> {
    let comment = format!("mini-dockerd:{}", b.name);
    let s = |v: &[&str]| -> Vec<String> {
        let mut r: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        r.extend(["-m", "comment", "--comment", &comment].map(String::from));
        r
    };
    let subnet = b.subnet();
    let mut rules = vec![
        // libnetwork's `-i docker0 -j ACCEPT` pair (ICC and outbound),
        // and replies coming back in. At the top of FORWARD: a host with
        // dockerd installed has a FORWARD policy of DROP (runtime notes).
        (
            "filter",
            "FORWARD",
            true,
            s(&["-i", &b.name, "-j", "ACCEPT"]),
        ),
        (
            "filter",
            "FORWARD",
            true,
            s(&[
                "-o",
                &b.name,
                "-m",
                "conntrack",
                "--ctstate",
                "RELATED,ESTABLISHED",
                "-j",
                "ACCEPT",
            ]),
        ),
        // libnetwork's masquerade: `-s 172.17.0.0/16 ! -o docker0`.
        (
            "nat",
            "POSTROUTING",
            false,
            s(&["-s", &subnet, "!", "-o", &b.name, "-j", "MASQUERADE"]),
        ),
    ];
    for other in others {
        for (i, o) in [(&b.name, other), (other, &b.name)] {
            rules.push((
                "filter",
                "FORWARD",
                true,
                s(&["-i", i, "-o", o, "-j", "DROP"]),
            ));
        }
    }
    rules
}

fn iptables(table: &str, verb: &str, chain: &str, rule: &[String]) -> Result<(), String> {
    let mut args = vec!["-w", "-t", table, verb, chain];
    args.extend(rule.iter().map(String::as_str));
    run("iptables", &args, None)
}

/// libnetwork's bridge set-up: the device, its address, up; forwarding
/// on; the firewall rules (each only once, however often this runs), with
/// `others` isolated from it (see [`rules`]).
pub fn setup_bridge(b: &Bridge, others: &[String]) -> Result<(), String> {
    let _lock = Lock::take(&b.name)?;
    ensure_device(b)?;
    // `setupIPForwarding`: dockerd turns forwarding on too.
    let fwd = "/proc/sys/net/ipv4/ip_forward";
    if std::fs::read_to_string(fwd)
        .map(|s| s.trim() != "1")
        .unwrap_or(true)
    {
        std::fs::write(fwd, "1").map_err(|e| format!("enabling IP forwarding: {e}"))?;
    }
    for (table, chain, top, rule) in rules(b, others) {
        if iptables(table, "-C", chain, &rule).is_err() {
            if top {
                let mut r = vec!["1".to_string()];
                r.extend(rule);
                iptables(table, "-I", chain, &r)?;
            } else {
                iptables(table, "-A", chain, &rule)?;
            }
        }
    }
    Ok(())
}

/// Whether the host has a network device of this name.
fn link_exists(name: &str) -> bool {
    std::path::Path::new(&format!("/sys/class/net/{name}")).exists()
}

/// The bridge device with its address, up (`setupDevice`, `setupBridgeIPv4`,
/// `setupDeviceUp`).
fn ensure_device(b: &Bridge) -> Result<(), String> {
    if !link_exists(&b.name) {
        run("ip", &["link", "add", &b.name, "type", "bridge"], None)?;
    }
    let cidr = format!("{}/{}", b.gateway, b.prefix);
    run("ip", &["addr", "replace", &cidr, "dev", &b.name], None)?;
    run("ip", &["link", "set", &b.name, "up"], None)
}

/// Remove the bridge and its rules, unless a container (of any daemon)
/// is still attached to it.
pub fn teardown_bridge(b: &Bridge) -> Result<(), String> {
    let _lock = Lock::take(&b.name)?;
    let ports = format!("/sys/class/net/{}/brif", b.name);
    let attached = || std::fs::read_dir(&ports).map(|d| d.count()).unwrap_or(0);
    // The containers have just been stopped, but the kernel tears a dead
    // network namespace down on a work queue of its own, and their veths
    // leave the bridge a little later (tens of milliseconds). There is no
    // event to wait for here short of a netlink subscription, so look
    // again for a bounded time; what is still attached after that belongs
    // to a container that is still running.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while attached() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    if attached() > 0 {
        return Ok(());
    }
    // Every rule with this bridge's comment, isolation rules included.
    let tag = format!("\"mini-dockerd:{}\"", b.name);
    for table in ["filter", "nat"] {
        let listing = Command::new(which("iptables").unwrap_or_else(|| "iptables".into()))
            .args(["-w", "-t", table, "-S"])
            .output()
            .map_err(|e| format!("iptables: {e}"))?;
        for line in String::from_utf8_lossy(&listing.stdout).lines() {
            let Some(rest) = line.strip_prefix("-A ") else {
                continue;
            };
            if !line.split_whitespace().any(|w| w == tag) {
                continue;
            }
            let mut words = rest
                .split_whitespace()
                .map(|w| w.trim_matches('"').to_string());
            let Some(chain) = words.next() else { continue };
            let rule: Vec<String> = words.collect();
            iptables(table, "-D", &chain, &rule)?;
        }
    }
    if link_exists(&b.name) {
        run("ip", &["link", "del", &b.name], None)?;
    }
    Ok(())
}

/// libnetwork's `CreateEndpoint` + `Join` for the process `pid`: the veth
/// pair, the host's end on the bridge, and inside the process's network
/// namespace `ep.ifname` with the address, MAC and (for the first
/// network) the default route. At start it runs before the container's
/// process does, so that it finds its network ready; `docker network
/// connect` runs it while the process runs.
pub fn attach(pid: u32, ep: &Endpoint) -> Result<(), String> {
    let _lock = Lock::take(&ep.bridge.name)?;
    // A bridge removed under us (another daemon's shutdown, by hand) is
    // made again rather than failing the start. One that is there was set
    // up by `setup_bridge`: no process is spent on it here.
    if !link_exists(&ep.bridge.name) {
        ensure_device(&ep.bridge)?;
    }
    let pid = pid.to_string();
    // The peer is created inside the namespace directly (`netns PID`),
    // which saves moving it there afterwards.
    run(
        "ip",
        &[
            "link",
            "add",
            &ep.host_veth,
            "type",
            "veth",
            "peer",
            "name",
            &ep.ifname,
            "netns",
            &pid,
        ],
        None,
    )?;
    run(
        "ip",
        &[
            "link",
            "set",
            &ep.host_veth,
            "master",
            &ep.bridge.name,
            "up",
        ],
        None,
    )?;
    // Inside: one `ip -batch` through nsenter, instead of one process a step.
    let mut inside = format!(
        "link set {dev} address {mac}\naddr add {ip}/{prefix} dev {dev}\nlink set {dev} up\n",
        dev = ep.ifname,
        mac = ep.mac,
        ip = ep.ip,
        prefix = ep.bridge.prefix,
    );
    if ep.default_route {
        inside.push_str(&format!("route add default via {}\n", ep.bridge.gateway));
    }
    let ip = which("ip").unwrap_or_else(|| "ip".into());
    let ip = ip.to_string_lossy();
    let result = run(
        "nsenter",
        &["-t", &pid, "-n", &ip, "-batch", "-"],
        Some(&inside),
    );
    if result.is_err() {
        let _ = run("ip", &["link", "del", &ep.host_veth], None);
    }
    result
}

/// One interface's counters as `docker stats` shows them (moby
/// `types.NetworkStats`), read from /proc/net/dev as the container sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceCounters {
    pub name: String,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
}

/// The counters of the process `pid`'s network interfaces but `lo`
/// (libnetwork's `Sandbox.Statistics`, which reads them over netlink).
pub fn interface_counters(pid: u32) -> Vec<InterfaceCounters> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/dev")).unwrap_or_default();
    parse_net_dev(&text)
}

fn parse_net_dev(text: &str) -> Vec<InterfaceCounters> {
    text.lines()
        .skip(2)
        .filter_map(|line| {
            let (name, rest) = line.split_once(':')?;
            let name = name.trim();
            if name == "lo" {
                return None;
            }
            let v: Vec<u64> = rest
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0))
                .collect();
            if v.len() < 12 {
                return None;
            }
            // Receive: bytes packets errs drop fifo frame compressed
            // multicast; transmit: bytes packets errs drop ...
            Some(InterfaceCounters {
                name: name.to_string(),
                rx_bytes: v[0],
                rx_packets: v[1],
                rx_errors: v[2],
                rx_dropped: v[3],
                tx_bytes: v[8],
                tx_packets: v[9],
                tx_errors: v[10],
                tx_dropped: v[11],
            })
        })
        .collect()
}

/// libnetwork's `Leave` for a container that keeps running (`docker
/// network disconnect`): deleting the host's end of the veth deletes the
/// container's end with it.
pub fn detach(ep: &Endpoint) -> Result<(), String> {
    let _lock = Lock::take(&ep.bridge.name)?;
    if link_exists(&ep.host_veth) {
        run("ip", &["link", "del", &ep.host_veth], None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_masks_and_macs_are_libnetworks() {
        let b = Bridge {
            name: "mdocker0".into(),
            gateway: Ipv4Addr::new(172, 18, 0, 1),
            prefix: 16,
        };
        assert_eq!(b.subnet(), "172.18.0.0/16");
        assert_eq!(mac_for(Ipv4Addr::new(172, 17, 0, 2)), "02:42:ac:11:00:02");
        assert!(overlaps(
            (Ipv4Addr::new(172, 17, 0, 0), 16),
            (Ipv4Addr::new(172, 17, 5, 0), 24)
        ));
        assert!(!overlaps(
            (Ipv4Addr::new(172, 17, 0, 0), 16),
            (Ipv4Addr::new(172, 18, 0, 0), 16)
        ));
        assert_eq!(mask(0), 0);
        assert_eq!(mask(32), u32::MAX);
    }

    #[test]
    fn net_dev_counters_leave_out_lo() {
        let text = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n  eth0:    1234      10    1    2    0     0          0         0      5678      20    3    4    0     0       0          0\n";
        let got = parse_net_dev(text);
        assert_eq!(
            got,
            vec![InterfaceCounters {
                name: "eth0".into(),
                rx_bytes: 1234,
                rx_packets: 10,
                rx_errors: 1,
                rx_dropped: 2,
                tx_bytes: 5678,
                tx_packets: 20,
                tx_errors: 3,
                tx_dropped: 4,
            }]
        );
    }
}

//! The bridge network, as `docker run` users meet it: every container on
//! the default `bridge` network gets an address on the daemon's bridge,
//! reaches the other containers and the host, and shows its address in
//! `docker inspect` and `docker network inspect bridge` in dockerd's
//! shape (reference: `_containers_ref1_json.txt`, `_networks_bridge.txt`).
//!
//! Each test's daemon gets a bridge and a /24 of its own (`--bridge`,
//! `--bip`), so that tests running side by side never share addresses.
//! They need root and the Linux runtime; without them they print why and
//! return.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};

use common::TestDaemon;

/// A daemon with a bridge of its own: (daemon, bridge name, gateway).
fn daemon_with_bridge() -> Option<(TestDaemon, String, String)> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let name = format!("mdt{:x}{n}", pid % 0xfffff);
    let gateway = format!("10.{}.{}.1", 200 + pid % 50, n);
    let bip = format!("{gateway}/24");
    let d = TestDaemon::start_with(&["--bridge", &name, "--bip", &bip]);
    if !d.real_runtime() {
        eprintln!("skipping: containers need root and the Linux runtime");
        return None;
    }
    assert!(
        std::path::Path::new(&format!("/sys/class/net/{name}")).exists(),
        "the daemon did not make its bridge {name}:\n{}",
        d.log()
    );
    Some((d, name, gateway))
}

/// The rules the daemon added for `bridge` (they carry its comment).
fn our_rules(bridge: &str) -> String {
    let mut out = String::new();
    for table in ["filter", "nat"] {
        let o = std::process::Command::new("iptables")
            .args(["-w", "-t", table, "-S"])
            .output()
            .expect("iptables");
        out.push_str(&String::from_utf8_lossy(&o.stdout));
    }
    out.lines()
        .filter(|l| l.contains(&format!("mini-dockerd:{bridge}")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// dockerd's bridge network end to end: the address, MAC and gateway in
/// inspect (top level and under `Networks.bridge`), the endpoint under
/// `docker network inspect bridge`, the hostname on the address in
/// /etc/hosts, and traffic from container to container and from the host.
#[test]
fn containers_on_the_bridge_reach_each_other_and_the_host() {
    let Some((d, bridge, gateway)) = daemon_with_bridge() else {
        return;
    };
    // busybox httpd serving /etc: /hostname is the container's name for
    // itself.
    let id = d.docker_ok(&[
        "run", "-d", "--name", "web", "busybox", "httpd", "-f", "-p", "8080", "-h", "/etc",
    ]);
    let fmt = "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} \
               {{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.MacAddress}} \
               {{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Networks.bridge.NetworkID}}";
    let got = d.docker_ok(&["inspect", "-f", fmt, "web"]);
    let f: Vec<&str> = got.split(' ').collect();
    let subnet = gateway.rsplit_once('.').unwrap().0;
    let ip = f[0].to_string();
    assert_eq!(ip, format!("{subnet}.2"), "the lowest free address: {got}");
    assert_eq!(f[1], gateway);
    assert_eq!(f[2], "24");
    let [a, b, c, e] = ip.parse::<std::net::Ipv4Addr>().unwrap().octets();
    assert_eq!(f[3], format!("02:42:{a:02x}:{b:02x}:{c:02x}:{e:02x}"));
    assert_eq!(f[4], ip);
    let network_id = d.docker_ok(&["network", "inspect", "-f", "{{.Id}}", "bridge"]);
    assert_eq!(f[5], network_id);

    // `docker network inspect bridge` lists the endpoint, and names our
    // device and subnet.
    let net = common::json(d.docker_ok(&["network", "inspect", "bridge"]).as_bytes());
    let ep = &net[0]["Containers"][&id];
    assert_eq!(ep["Name"], "web");
    assert_eq!(ep["IPv4Address"], format!("{ip}/24"));
    assert_eq!(ep["MacAddress"], f[3]);
    assert_eq!(
        net[0]["IPAM"]["Config"][0]["Subnet"],
        format!("{subnet}.0/24")
    );
    assert_eq!(
        net[0]["Options"]["com.docker.network.bridge.name"],
        bridge.as_str()
    );

    // Inside: eth0 with the address, the default route via the gateway,
    // and the hostname on the address in /etc/hosts.
    let inside = d.docker_ok(&[
        "exec",
        "web",
        "sh",
        "-c",
        "ip -4 addr show eth0; ip route; tail -1 /etc/hosts; hostname",
    ]);
    assert!(inside.contains(&format!("inet {ip}/24")), "{inside}");
    assert!(
        inside.contains(&format!("default via {gateway} dev eth0")),
        "{inside}"
    );
    let hostname = inside.lines().last().unwrap().to_string();
    assert!(inside.contains(&format!("{ip}\t{hostname}")), "{inside}");

    // Another container reaches it by address...
    let fetched = d.docker_ok(&[
        "run",
        "--rm",
        "busybox",
        "wget",
        "-q",
        "-O-",
        &format!("http://{ip}:8080/hostname"),
    ]);
    assert_eq!(fetched, hostname);
    // ...and so does the host, through the bridge.
    let mut s = std::net::TcpStream::connect((ip.as_str(), 8080)).expect("connect from the host");
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(b"GET /hostname HTTP/1.0\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with(&format!("{hostname}\n")), "{reply}");
    // `docker stats` counts that traffic on eth0 (moby `getNetworkStats`).
    let (status, _, body) = d.raw("GET", "/containers/web/stats?stream=0&one-shot=1", &[], b"");
    assert_eq!(status, 200);
    let eth0 = &common::json(&body)["networks"]["eth0"];
    assert!(eth0["tx_bytes"].as_u64().unwrap() > 0, "{eth0}");
    assert!(eth0["rx_packets"].as_u64().unwrap() > 0, "{eth0}");
    d.docker_ok(&["rm", "-f", "web"]);
}

/// An address belongs to a running container only: a stop gives it back
/// (inspect shows it empty, as dockerd's does) and the next start takes
/// the lowest free one again. Joining and leaving are the events dockerd
/// logs (`network connect` before `start`; `die`, `network disconnect`,
/// `stop`), and at shutdown the daemon removes its bridge and rules.
#[test]
fn stop_releases_the_address_and_shutdown_removes_the_bridge() {
    let Some((d, bridge, gateway)) = daemon_with_bridge() else {
        return;
    };
    let subnet = gateway.rsplit_once('.').unwrap().0;
    assert_eq!(
        our_rules(&bridge).lines().count(),
        3,
        "{}",
        our_rules(&bridge)
    );
    let since = d.docker_ok(&["version", "-f", "{{.Server.Os}}"]); // warm up
    assert_eq!(since, "linux");
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let one = d.docker_ok(&["run", "-d", "--name", "one", "busybox", "sleep", "300"]);
    d.docker_ok(&["run", "-d", "--name", "two", "busybox", "sleep", "300"]);
    let ip = |name: &str| d.docker_ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", name]);
    assert_eq!(ip("one"), format!("{subnet}.2"));
    assert_eq!(ip("two"), format!("{subnet}.3"));
    d.docker_ok(&["stop", "-t", "0", "one"]);
    assert_eq!(ip("one"), "", "a stopped container has no address");
    d.docker_ok(&["run", "-d", "--name", "three", "busybox", "sleep", "300"]);
    assert_eq!(
        ip("three"),
        format!("{subnet}.2"),
        "the freed address is the lowest"
    );

    // `--until` in the past (the next second) makes `docker events` print
    // what was logged and return, instead of following.
    let until = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1)
    .to_string();
    // A `container=` filter would hide the network events: their actor is
    // the network, and the container is only an attribute (moby
    // `events.Filter.matchContainer`). So take them all and pick.
    let events = d.docker_ok(&[
        "events",
        "--since",
        &start,
        "--until",
        &until,
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.container}}",
    ]);
    let seen: Vec<String> = events
        .lines()
        .filter(|l| l.contains(&one))
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let pos = |e: &str| {
        seen.iter()
            .position(|l| *l == e)
            .unwrap_or_else(|| panic!("no {e:?} in {seen:?}"))
    };
    assert!(pos("network connect") < pos("container start"), "{seen:?}");
    assert!(pos("container die") < pos("network disconnect"), "{seen:?}");
    assert!(
        pos("network disconnect") < pos("container stop"),
        "{seen:?}"
    );

    let status = d.stop();
    assert!(status.success(), "{status}");
    assert!(
        !std::path::Path::new(&format!("/sys/class/net/{bridge}")).exists(),
        "the bridge {bridge} is still there after shutdown"
    );
    assert_eq!(our_rules(&bridge), "", "rules left behind");
}

/// `--bip` must be an address a bridge can have: dockerd refuses to start
/// with a subnet's own address, and so do we, saying why.
#[test]
fn a_bip_that_is_no_host_address_stops_the_daemon() {
    match TestDaemon::try_start_with(&["--bridge", "mdtbad0", "--bip", "10.255.255.0/24"]) {
        Ok(_) => panic!("the daemon started with --bip 10.255.255.0/24"),
        Err((status, log)) => {
            assert!(status.is_some_and(|s| !s.success()), "{log}");
            assert!(log.contains("is the subnet's own address"), "{log}");
        }
    }
}

/// With `--bridge none` (how the other tests run their daemons) a
/// container on the bridge network has a network namespace with only
/// `lo`, and inspect shows no address.
#[test]
fn without_a_bridge_a_container_has_only_loopback() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: containers need root and the Linux runtime");
        return;
    }
    let links = d.docker_ok(&["run", "--rm", "busybox", "cat", "/proc/net/dev"]);
    assert!(links.contains("lo:"), "{links}");
    assert!(!links.contains("eth0"), "{links}");
    d.docker_ok(&["run", "-d", "--name", "solo", "busybox", "sleep", "300"]);
    let got = d.docker_ok(&["inspect", "-f", "[{{.NetworkSettings.IPAddress}}]", "solo"]);
    assert_eq!(got, "[]");
    d.docker_ok(&["rm", "-f", "solo"]);
}

/// `docker network create/connect/disconnect/rm`, as the reference
/// dockerd answers them: a user network is a bridge of its own
/// (`br-<id>`) with the subnet asked for; a container started on it gets
/// `eth0` there; `network connect` gives a running container one more
/// interface and `disconnect` takes it away; containers meet only on a
/// network they share (traffic between networks is dropped, as
/// libnetwork's isolation rules drop it) and find each other there by
/// name; a network with running
/// containers cannot be removed, and an empty one can.
#[test]
fn user_networks_connect_disconnect_and_isolate() {
    let Some((d, _bridge, gateway)) = daemon_with_bridge() else {
        return;
    };
    // A subnet beside the test's default bridge: 10.X.(100+n).0/24.
    let mut octets: Vec<u32> = gateway.split('.').map(|o| o.parse().unwrap()).collect();
    octets[2] += 100;
    let subnet = format!("{}.{}.{}.0/24", octets[0], octets[1], octets[2]);
    let prefix = format!("{}.{}.{}", octets[0], octets[1], octets[2]);
    let id = d.docker_ok(&["network", "create", "--subnet", &subnet, "n1"]);
    let device = format!("br-{}", &id[..12]);
    assert!(
        std::path::Path::new(&format!("/sys/class/net/{device}")).exists(),
        "no bridge {device} for the network"
    );
    let shown = d.docker_ok(&["network", "inspect", "-f", "{{json .IPAM.Config}}", "n1"]);
    assert_eq!(shown, format!(r#"[{{"Subnet":"{subnet}"}}]"#));

    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "on-n1",
        "--network",
        "n1",
        "busybox",
        "sleep",
        "300",
    ]);
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "on-bridge",
        "busybox",
        "sleep",
        "300",
    ]);
    let a = d.docker_ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.n1.IPAddress}}",
        "on-n1",
    ]);
    assert_eq!(a, format!("{prefix}.2"));
    let route = d.docker_ok(&["exec", "on-n1", "ip", "route"]);
    assert!(
        route.contains(&format!("default via {prefix}.1 dev eth0")),
        "{route}"
    );

    let ping = |from: &str| {
        d.docker(&["exec", from, "ping", "-c", "1", "-W", "1", &a])
            .status
            .success()
    };
    assert!(!ping("on-bridge"), "the bridge network reached n1");
    d.docker_ok(&["network", "connect", "n1", "on-bridge"]);
    let addrs = d.docker_ok(&["exec", "on-bridge", "ip", "-4", "addr"]);
    assert!(addrs.contains(&format!("inet {prefix}.3/24")), "{addrs}");
    assert!(addrs.contains("eth1"), "{addrs}");
    assert!(ping("on-bridge"), "connected to n1, but no answer");
    // Names on a user network: dockerd's embedded DNS answers them; here
    // each container's /etc/hosts has the others' (container_operations.rs).
    d.docker_ok(&["exec", "on-bridge", "ping", "-c", "1", "-W", "1", "on-n1"]);
    let hosts = d.docker_ok(&["exec", "on-n1", "cat", "/etc/hosts"]);
    assert!(hosts.contains(&format!("{prefix}.3\ton-bridge")), "{hosts}");

    let out = d.docker(&["network", "rm", "n1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("network n1 id {id} has active endpoints")),
        "{err}"
    );

    d.docker_ok(&["network", "disconnect", "n1", "on-bridge"]);
    let addrs = d.docker_ok(&["exec", "on-bridge", "ip", "-4", "addr"]);
    assert!(!addrs.contains("eth1"), "{addrs}");
    let hosts = d.docker_ok(&["exec", "on-n1", "cat", "/etc/hosts"]);
    assert!(!hosts.contains("on-bridge"), "{hosts}");
    let out = d.docker(&["network", "disconnect", "n1", "on-bridge"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not connected to network n1"), "{err}");

    d.docker_ok(&["rm", "-f", "on-n1"]);
    d.docker_ok(&["network", "rm", "n1"]);
    assert!(
        !std::path::Path::new(&format!("/sys/class/net/{device}")).exists(),
        "the bridge {device} outlived its network"
    );
    assert_eq!(our_rules(&device), "", "rules left behind");
    d.docker_ok(&["rm", "-f", "on-bridge"]);
}

//! cgroups: limits, OOM detection, freezing and process listing for one
//! container, with the "cgroupfs" driver.
//!
//! Mirrors runc's `libcontainer/cgroups/fs` (v1) and `fs2` (v2), which
//! dockerd reaches through containerd; moby itself only computes the
//! values (`daemon/oci_linux.go`). The mode is detected the way youki's
//! `libcgroups::common::get_cgroup_setup` does:
//!
//! - **unified** (v2 only): `/sys/fs/cgroup` is a cgroup2 mount;
//! - **hybrid**: v1 controllers under `/sys/fs/cgroup/<controller>` plus a
//!   cgroup2 tree at `/sys/fs/cgroup/unified` (this project's machines);
//! - **legacy**: v1 only.
//!
//! Hybrid is handled as v1 (plus joining the unified tree, as runc does).
//! Every container gets `<parent>/<id>` in each hierarchy; the parent is
//! ours (`mini-docker`), never dockerd's `/docker`.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{BlkioEntry, CgroupStats, Resources};

/// The v1 controllers a container joins. Named hierarchies
/// (`name=systemd`) and exotic ones (net_cls, perf_event, ...) are left
/// alone: the container simply stays in the daemon's cgroup there.
const V1_CONTROLLERS: &[&str] = &[
    "cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "blkio", "devices",
];

/// How cgroups are mounted on this host.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    /// `/sys/fs/cgroup` is cgroup2.
    pub unified: bool,
    /// (controller, mount point) of each v1 controller we use.
    pub v1: Vec<(String, PathBuf)>,
    /// The cgroup2 mount (the whole tree on unified hosts,
    /// `/sys/fs/cgroup/unified` on hybrid ones).
    pub v2: Option<PathBuf>,
}

/// Parse /proc/self/mountinfo once.
pub fn hierarchy() -> &'static Hierarchy {
    static H: OnceLock<Hierarchy> = OnceLock::new();
    H.get_or_init(|| {
        let mut h = Hierarchy {
            unified: false,
            v1: Vec::new(),
            v2: None,
        };
        let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        for line in text.lines() {
            let Some((left, right)) = line.split_once(" - ") else {
                continue;
            };
            let fields: Vec<&str> = left.split(' ').collect();
            let rfields: Vec<&str> = right.split(' ').collect();
            if fields.len() < 5 || rfields.len() < 3 {
                continue;
            }
            // Only hierarchies mounted at their root are usable.
            if fields[3] != "/" {
                continue;
            }
            let mount_point = PathBuf::from(fields[4]);
            match rfields[0] {
                "cgroup2" => {
                    if mount_point == Path::new("/sys/fs/cgroup") {
                        h.unified = true;
                    }
                    if h.v2.is_none() || h.unified {
                        h.v2 = Some(mount_point);
                    }
                }
                "cgroup" => {
                    for opt in rfields[2].split(',') {
                        if V1_CONTROLLERS.contains(&opt) && !h.v1.iter().any(|(c, _)| c == opt) {
                            h.v1.push((opt.to_string(), mount_point.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        if h.unified {
            h.v1.clear();
        }
        h
    })
}

/// The version string `docker info` shows ("1" or "2").
pub fn version() -> &'static str {
    if hierarchy().unified {
        "2"
    } else {
        "1"
    }
}

/// One container's cgroup, in every hierarchy.
#[derive(Debug, Clone)]
pub struct Cgroup {
    /// `<parent>/<id>`, relative to each hierarchy's mount point.
    rel: PathBuf,
    parent: PathBuf,
}

impl Cgroup {
    /// Paths only; nothing is created.
    pub fn new(parent: &str, id: &str) -> Self {
        let parent = PathBuf::from(parent.trim_matches('/'));
        Cgroup {
            rel: parent.join(id),
            parent,
        }
    }

    fn v1_dir(&self, controller: &str) -> Option<PathBuf> {
        hierarchy()
            .v1
            .iter()
            .find(|(c, _)| c == controller)
            .map(|(_, m)| m.join(&self.rel))
    }

    fn v2_dir(&self) -> Option<PathBuf> {
        hierarchy().v2.as_ref().map(|m| m.join(&self.rel))
    }

    /// Every directory the container's processes are put into (one per
    /// distinct mount point: cpu and cpuacct may be co-mounted).
    pub fn dirs(&self) -> Vec<PathBuf> {
        let h = hierarchy();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (_, m) in &h.v1 {
            if seen.insert(m.clone()) {
                out.push(m.join(&self.rel));
            }
        }
        if let Some(v2) = self.v2_dir() {
            out.push(v2);
        }
        out
    }

    /// What the container's `/sys/fs/cgroup` shows: (host dir of this
    /// container's cgroup, name under /sys/fs/cgroup). On v1 one entry per
    /// hierarchy, named like its mount point (`memory`, `cpu,cpuacct`,
    /// `unified`); on a unified host a single entry named "" (the dir is
    /// bound at /sys/fs/cgroup itself).
    pub fn container_view(&self) -> Vec<(PathBuf, String)> {
        let h = hierarchy();
        if h.unified {
            return self
                .v2_dir()
                .map(|d| (d, String::new()))
                .into_iter()
                .collect();
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mounts = h.v1.iter().map(|(_, m)| m).chain(h.v2.iter());
        for m in mounts {
            if !seen.insert(m.clone()) {
                continue;
            }
            let name = m
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((m.join(&self.rel), name));
        }
        out
    }

    /// The `cgroup.procs` files to write a pid into to join.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs()
            .into_iter()
            .map(|d| d.join("cgroup.procs"))
            .collect()
    }

    /// Create the directories and write the limits. Errors name the file.
    pub fn create(&self, res: &Resources) -> io::Result<()> {
        let h = hierarchy();
        if h.unified {
            return self.create_v2(res);
        }
        for dir in self.dirs() {
            fs::create_dir_all(&dir).map_err(|e| ctx(e, &dir))?;
        }
        // A new v1 cpuset cgroup has empty cpus/mems, and joining it fails
        // with ENOSPC: copy them down level by level, as runc does.
        if let Some((_, root)) = h.v1.iter().find(|(c, _)| c == "cpuset") {
            let mut at = root.clone();
            for part in self.rel.components() {
                let parent = at.clone();
                at = at.join(part);
                for f in ["cpuset.cpus", "cpuset.mems"] {
                    let cur = fs::read_to_string(at.join(f)).unwrap_or_default();
                    if cur.trim().is_empty() {
                        let val = fs::read_to_string(parent.join(f)).unwrap_or_default();
                        write(&at.join(f), val.trim())?;
                    }
                }
            }
            // Then the container's own set, inside what was copied.
            if !res.cpuset_cpus.is_empty() {
                write(&at.join("cpuset.cpus"), &res.cpuset_cpus)?;
            }
            if !res.cpuset_mems.is_empty() {
                write(&at.join("cpuset.mems"), &res.cpuset_mems)?;
            }
        }
        if let Some(mem) = self.v1_dir("memory") {
            if res.memory > 0 {
                write(&mem.join("memory.limit_in_bytes"), &res.memory.to_string())?;
                // memsw exists only with swap accounting; docker warns and
                // goes on when it is missing, so do we.
                let memsw = mem.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    let swap = match res.memory_swap {
                        0 => res.memory * 2,
                        s => s,
                    };
                    write(&memsw, &swap.to_string())?;
                }
            }
            if res.oom_kill_disable {
                write(&mem.join("memory.oom_control"), "1")?;
            }
            if res.memory_reservation > 0 {
                write(
                    &mem.join("memory.soft_limit_in_bytes"),
                    &res.memory_reservation.to_string(),
                )?;
            }
        }
        self.write_v1_cpu(res)?;
        if let Some(pids) = self.v1_dir("pids") {
            if let Some(max) = res.pids_limit.filter(|n| *n > 0) {
                write(&pids.join("pids.max"), &max.to_string())?;
            }
        }
        Ok(())
    }

    /// The v1 `cpu` controller's limits: shares, and the CFS quota.
    fn write_v1_cpu(&self, res: &Resources) -> io::Result<()> {
        if let Some(cpu) = self.v1_dir("cpu") {
            if res.cpu_shares > 0 {
                write(&cpu.join("cpu.shares"), &res.cpu_shares.to_string())?;
            }
            if let Some((quota, period)) = cfs(res) {
                write(&cpu.join("cpu.cfs_period_us"), &period.to_string())?;
                write(&cpu.join("cpu.cfs_quota_us"), &quota.to_string())?;
            }
        }
        Ok(())
    }

    /// Change the limits of a running container (runc `update`, which
    /// containerd's `UpdateTask` runs for `docker update`). A limit the
    /// update leaves at 0 is left as it is. On v1 the memory limit may
    /// never exceed memory+swap, so when the limits grow, memory+swap is
    /// written first, and when they shrink, memory is.
    pub fn update(&self, res: &Resources) -> io::Result<()> {
        if hierarchy().unified {
            return self.create_v2(res);
        }
        if let Some(mem) = self.v1_dir("memory") {
            if res.memory > 0 {
                let limit = mem.join("memory.limit_in_bytes");
                let memsw = mem.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    let swap = match res.memory_swap {
                        0 => res.memory * 2,
                        s => s,
                    };
                    let current = fs::read_to_string(&memsw)
                        .ok()
                        .and_then(|v| v.trim().parse::<i64>().ok())
                        .unwrap_or(i64::MAX);
                    if swap > current {
                        write(&memsw, &swap.to_string())?;
                        write(&limit, &res.memory.to_string())?;
                    } else {
                        write(&limit, &res.memory.to_string())?;
                        write(&memsw, &swap.to_string())?;
                    }
                } else {
                    write(&limit, &res.memory.to_string())?;
                }
            }
        }
        self.write_v1_cpu(res)?;
        if let Some(pids) = self.v1_dir("pids") {
            match res.pids_limit {
                Some(n) if n > 0 => write(&pids.join("pids.max"), &n.to_string())?,
                Some(_) => write(&pids.join("pids.max"), "max")?,
                None => {}
            }
        }
        Ok(())
    }

    /// cgroup v2: enable the controllers on the way down, then the limits
    /// (runc `libcontainer/cgroups/fs2`). Not exercised on the project's
    /// hybrid machines.
    fn create_v2(&self, res: &Resources) -> io::Result<()> {
        let Some(root) = hierarchy().v2.clone() else {
            return Ok(());
        };
        let mut at = root;
        for part in self.parent.components() {
            for c in ["+cpu", "+cpuset", "+memory", "+pids", "+io"] {
                let _ = fs::write(at.join("cgroup.subtree_control"), c);
            }
            at = at.join(part);
            fs::create_dir_all(&at).map_err(|e| ctx(e, &at))?;
        }
        for c in ["+cpu", "+cpuset", "+memory", "+pids", "+io"] {
            let _ = fs::write(at.join("cgroup.subtree_control"), c);
        }
        let dir = at.join(self.rel.file_name().unwrap_or_default());
        fs::create_dir_all(&dir).map_err(|e| ctx(e, &dir))?;
        if res.memory > 0 {
            write(&dir.join("memory.max"), &res.memory.to_string())?;
            let swap = match res.memory_swap {
                0 => res.memory.to_string(),
                -1 => "max".into(),
                s => (s - res.memory).max(0).to_string(),
            };
            let _ = write(&dir.join("memory.swap.max"), &swap);
        }
        if res.cpu_shares > 0 {
            // runc's conversion of shares [2, 262144] to weight [1, 10000].
            let weight = 1 + ((res.cpu_shares.clamp(2, 262_144) - 2) * 9999) / 262_142;
            write(&dir.join("cpu.weight"), &weight.to_string())?;
        }
        if let Some((quota, period)) = cfs(res) {
            write(&dir.join("cpu.max"), &format!("{quota} {period}"))?;
        }
        if let Some(max) = res.pids_limit.filter(|n| *n > 0) {
            write(&dir.join("pids.max"), &max.to_string())?;
        }
        if !res.cpuset_cpus.is_empty() {
            write(&dir.join("cpuset.cpus"), &res.cpuset_cpus)?;
        }
        if !res.cpuset_mems.is_empty() {
            write(&dir.join("cpuset.mems"), &res.cpuset_mems)?;
        }
        if res.memory_reservation > 0 {
            write(&dir.join("memory.low"), &res.memory_reservation.to_string())?;
        }
        Ok(())
    }

    /// Put a process into the container's cgroups (from outside, before
    /// it execs: v1 memory charges do not move with a process).
    ///
    /// Each v1 `cgroup.procs` write takes the kernel's global threadgroup
    /// rwsem for writing, which may wait for an RCU grace period: the
    /// first start after a quiet spell takes about 10 ms here, back-to-back
    /// starts much less (runtime-notes §3). Writing in parallel threads was
    /// measured and does not help. On v2, `CLONE_INTO_CGROUP` avoids the
    /// migration entirely; a possible improvement for unified hosts.
    pub fn join(&self, pid: u32) -> io::Result<()> {
        for f in self.procs_files() {
            write(&f, &pid.to_string())?;
        }
        Ok(())
    }

    /// Whether the kernel's OOM killer killed a process of the container.
    pub fn oom_killed(&self) -> bool {
        let (file, key) = if hierarchy().unified {
            (self.v2_dir().map(|d| d.join("memory.events")), "oom_kill")
        } else {
            (
                self.v1_dir("memory").map(|d| d.join("memory.oom_control")),
                "oom_kill",
            )
        };
        let Some(text) = file.and_then(|f| fs::read_to_string(f).ok()) else {
            return false;
        };
        text.lines().any(|l| {
            let mut it = l.split_whitespace();
            it.next() == Some(key) && it.next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) > 0
        })
    }

    /// The host pids in the container's cgroup.
    pub fn pids(&self) -> Vec<u32> {
        let dir = if hierarchy().unified {
            self.v2_dir()
        } else {
            self.v1_dir("pids")
                .or_else(|| self.v1_dir("memory"))
                .or_else(|| self.v2_dir())
        };
        dir.and_then(|d| fs::read_to_string(d.join("cgroup.procs")).ok())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// `docker pause` / `unpause`: the v1 freezer, or `cgroup.freeze` on v2
    /// (also present in the hybrid unified tree).
    pub fn freeze(&self, frozen: bool) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        if let Some(dir) = self.v1_dir("freezer") {
            let want = if frozen { "FROZEN" } else { "THAWED" };
            let file = dir.join("freezer.state");
            loop {
                write(&file, want)?;
                let now = fs::read_to_string(&file).unwrap_or_default();
                if now.trim() == want || Instant::now() > deadline {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let Some(dir) = self.v2_dir() else {
            return Err(io::Error::other("no freezer cgroup on this host"));
        };
        write(&dir.join("cgroup.freeze"), if frozen { "1" } else { "0" })
    }

    /// Remove the container's directories, retrying briefly while the last
    /// tasks drain (rmdir fails with EBUSY until the cgroup is empty).
    /// Idempotent: missing directories are fine. Returns how many retries
    /// it took, for the trace.
    pub fn remove(&self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut retries = 0;
        for dir in self.dirs() {
            loop {
                match fs::remove_dir(&dir) {
                    Err(e)
                        if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline =>
                    {
                        retries += 1;
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    _ => break,
                }
            }
        }
        retries
    }
}

impl Cgroup {
    /// Read the container's usage (containerd's `cgroups` package does the
    /// same reads for its `Metrics`). Missing files read as zero.
    pub fn stats(&self) -> CgroupStats {
        let mut st = if hierarchy().unified {
            self.stats_v2()
        } else {
            self.stats_v1()
        };
        let (system, cpus) = system_cpu();
        st.system_cpu_ns = system;
        st.online_cpus = cpus;
        st
    }

    fn stats_v1(&self) -> CgroupStats {
        let mut st = CgroupStats {
            cgroup_version: "1",
            ..Default::default()
        };
        let tick_ns = 1_000_000_000 / clock_ticks();
        if let Some(d) = self.v1_dir("cpuacct") {
            st.cpu_total_ns = read_u64(&d.join("cpuacct.usage"));
            st.cpu_percpu_ns = read_string(&d.join("cpuacct.usage_percpu"))
                .split_whitespace()
                .filter_map(|v| v.parse().ok())
                .collect();
            let kv = read_kv(&d.join("cpuacct.stat"));
            st.cpu_user_ns = kv.get("user").copied().unwrap_or(0) * tick_ns;
            st.cpu_kernel_ns = kv.get("system").copied().unwrap_or(0) * tick_ns;
        }
        if let Some(d) = self.v1_dir("cpu") {
            let kv = read_kv(&d.join("cpu.stat"));
            st.throttling_periods = kv.get("nr_periods").copied().unwrap_or(0);
            st.throttled_periods = kv.get("nr_throttled").copied().unwrap_or(0);
            st.throttled_time_ns = kv.get("throttled_time").copied().unwrap_or(0);
        }
        if let Some(d) = self.v1_dir("memory") {
            st.memory_usage = read_u64(&d.join("memory.usage_in_bytes"));
            st.memory_max_usage = read_u64(&d.join("memory.max_usage_in_bytes"));
            st.memory_limit = read_u64(&d.join("memory.limit_in_bytes"));
            st.memory_failcnt = read_u64(&d.join("memory.failcnt"));
            st.memory_stat = read_kv(&d.join("memory.stat"));
        }
        self.pids_stats(&mut st, self.v1_dir("pids"));
        if let Some(d) = self.v1_dir("blkio") {
            st.blkio_service_bytes =
                read_blkio_v1(&d.join("blkio.throttle.io_service_bytes_recursive"));
            st.blkio_serviced = read_blkio_v1(&d.join("blkio.throttle.io_serviced_recursive"));
        }
        st
    }

    fn stats_v2(&self) -> CgroupStats {
        let mut st = CgroupStats {
            cgroup_version: "2",
            ..Default::default()
        };
        let Some(d) = self.v2_dir() else {
            return st;
        };
        let cpu = read_kv(&d.join("cpu.stat"));
        let get = |k: &str| cpu.get(k).copied().unwrap_or(0);
        st.cpu_total_ns = get("usage_usec") * 1000;
        st.cpu_user_ns = get("user_usec") * 1000;
        st.cpu_kernel_ns = get("system_usec") * 1000;
        st.throttling_periods = get("nr_periods");
        st.throttled_periods = get("nr_throttled");
        st.throttled_time_ns = get("throttled_usec") * 1000;
        st.memory_usage = read_u64(&d.join("memory.current"));
        st.memory_limit = match read_string(&d.join("memory.max")).trim() {
            "max" | "" => u64::MAX,
            v => v.parse().unwrap_or(u64::MAX),
        };
        st.memory_stat = read_kv(&d.join("memory.stat"));
        st.memory_failcnt = read_kv(&d.join("memory.events"))
            .get("oom")
            .copied()
            .unwrap_or(0);
        self.pids_stats(&mut st, Some(d.clone()));
        for line in read_string(&d.join("io.stat")).lines() {
            let mut it = line.split_whitespace();
            let Some((major, minor)) = it.next().and_then(|dev| dev.split_once(':')) else {
                continue;
            };
            let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
                continue;
            };
            for kv in it {
                let (op, key) = match kv.split_once('=') {
                    Some(("rbytes", v)) => ("read", v),
                    Some(("wbytes", v)) => ("write", v),
                    _ => continue,
                };
                st.blkio_service_bytes.push(BlkioEntry {
                    major,
                    minor,
                    op: op.into(),
                    value: key.parse().unwrap_or(0),
                });
            }
        }
        st
    }

    fn pids_stats(&self, st: &mut CgroupStats, dir: Option<PathBuf>) {
        if let Some(d) = dir {
            st.pids_current = read_u64(&d.join("pids.current"));
            // "max" (unlimited) reads as 0, as containerd reports it.
            st.pids_limit = read_u64(&d.join("pids.max"));
        }
    }
}

fn read_string(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_default()
}

fn read_u64(p: &Path) -> u64 {
    read_string(p).trim().parse().unwrap_or(0)
}

/// "key value" lines (memory.stat, cpu.stat, cpuacct.stat, ...).
fn read_kv(p: &Path) -> std::collections::BTreeMap<String, u64> {
    read_string(p)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect()
}

/// v1 blkio files: "8:0 Read 1234" lines, and a final "Total N" skipped.
fn read_blkio_v1(p: &Path) -> Vec<BlkioEntry> {
    read_string(p)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() != 3 {
                return None;
            }
            let (major, minor) = f[0].split_once(':')?;
            Some(BlkioEntry {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
                op: f[1].to_string(),
                value: f[2].parse().ok()?,
            })
        })
        .collect()
}

fn clock_ticks() -> u64 {
    // SAFETY: plain sysconf.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// The host's total CPU time in ns and number of CPUs, from /proc/stat.
fn system_cpu() -> (u64, u32) {
    let text = fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut total = 0;
    let mut cpus = 0;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        match it.next() {
            Some("cpu") => {
                // user nice system idle iowait irq softirq steal
                total = it
                    .take(8)
                    .filter_map(|v| v.parse::<u64>().ok())
                    .sum::<u64>()
                    * (1_000_000_000 / clock_ticks());
            }
            Some(c) if c.starts_with("cpu") => cpus += 1,
            _ => {}
        }
    }
    (total, cpus)
}

/// (quota, period) in µs from `--cpus` or `--cpu-quota/--cpu-period`
/// (moby `daemon/oci_linux.go`: NanoCPUs → quota = nano * period / 1e9,
/// period 100ms).
fn cfs(res: &Resources) -> Option<(i64, i64)> {
    if res.nano_cpus > 0 {
        let period = 100_000;
        return Some((res.nano_cpus * period / 1_000_000_000, period));
    }
    if res.cpu_quota > 0 {
        let period = if res.cpu_period > 0 {
            res.cpu_period
        } else {
            100_000
        };
        return Some((res.cpu_quota, period));
    }
    None
}

fn write(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| ctx(e, path))
}

fn ctx(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

//! Resolving `--user` against the container's own /etc/passwd and
//! /etc/group.
//!
//! Mirrors runc's `libcontainer/user` package (`GetExecUserPath`), which
//! runc's init calls after pivot_root, so names mean what the *image* says
//! they mean, not what the host says.

use std::fs;

/// The identity the container process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub home: String,
}

struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

fn read_passwd(path: &str) -> Vec<PasswdEntry> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 6 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
            })
        })
        .collect()
}

/// (name, gid, members) of each group.
fn read_group(path: &str) -> Vec<(String, u32, Vec<String>)> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 3 {
                return None;
            }
            let members = f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            Some((f[0].to_string(), f[2].parse().ok()?, members))
        })
        .collect()
}

/// Resolve "", "uid", "uid:gid", "name", "name:group" (runc's rules:
/// numeric ids need no passwd entry; names must exist).
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<ExecUser, String> {
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let users = read_passwd(passwd);
    let mut exec = ExecUser {
        uid: 0,
        gid: 0,
        groups: Vec::new(),
        home: "/".into(),
    };
    let mut name = None;
    if user_part.is_empty() {
        if let Some(root) = users.iter().find(|u| u.uid == 0) {
            exec.home = root.home.clone();
            name = Some(root.name.clone());
        }
    } else if let Ok(uid) = user_part.parse::<u32>() {
        exec.uid = uid;
        if let Some(u) = users.iter().find(|u| u.uid == uid) {
            exec.gid = u.gid;
            exec.home = u.home.clone();
            name = Some(u.name.clone());
        }
    } else {
        let Some(u) = users.iter().find(|u| u.name == user_part) else {
            return Err(format!(
                "unable to find user {user_part}: no matching entries in passwd file"
            ));
        };
        exec.uid = u.uid;
        exec.gid = u.gid;
        exec.home = u.home.clone();
        name = Some(u.name.clone());
    }
    let groups = read_group(group);
    if let Some(g) = group_part.filter(|g| !g.is_empty()) {
        if let Ok(gid) = g.parse::<u32>() {
            exec.gid = gid;
        } else {
            let Some((_, gid, _)) = groups.iter().find(|(n, _, _)| n == g) else {
                return Err(format!(
                    "unable to find group {g}: no matching entries in group file"
                ));
            };
            exec.gid = *gid;
        }
    } else if let Some(name) = &name {
        // Supplementary groups come from /etc/group membership, as with
        // initgroups(3); only when no explicit group was given.
        exec.groups = groups
            .iter()
            .filter(|(_, _, members)| members.iter().any(|m| m == name))
            .map(|(_, gid, _)| *gid)
            .collect();
    }
    // runc: a process without supplementary groups still lists its
    // primary group as one (`id` shows `groups=0`).
    if exec.groups.is_empty() {
        exec.groups.push(exec.gid);
    }
    Ok(exec)
}

/// `--group-add`: each a number, or a name in the container's group file
/// (runc `GetAdditionalGroupsPath`).
pub fn additional_groups(names: &[String], group: &str) -> Result<Vec<u32>, String> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let groups = read_group(group);
    names
        .iter()
        .map(|g| match g.parse::<u32>() {
            Ok(gid) => Ok(gid),
            Err(_) => groups
                .iter()
                .find(|(n, _, _)| n == g)
                .map(|(_, gid, _)| *gid)
                .ok_or_else(|| {
                    format!("Unable to find group {g}: no matching entries in group file")
                }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// runc resolves names against the image's files and numeric ids
    /// without them.
    #[test]
    fn resolves_names_and_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("passwd");
        let g = dir.path().join("group");
        fs::write(
            &p,
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n",
        )
        .unwrap();
        fs::write(&g, "root:x:0:\nusers:x:100:nobody\nnogroup:x:65534:\n").unwrap();
        let (p, g) = (p.to_str().unwrap(), g.to_str().unwrap());
        assert_eq!(resolve("", p, g).unwrap().home, "/root");
        let n = resolve("nobody", p, g).unwrap();
        assert_eq!((n.uid, n.gid, n.groups.clone()), (65534, 65534, vec![100]));
        let u = resolve("1234:55", p, g).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1234, 55, "/"));
        assert_eq!(resolve("nobody:users", p, g).unwrap().gid, 100);
        assert!(resolve("nosuch", p, g)
            .unwrap_err()
            .contains("unable to find user nosuch: no matching entries in passwd file"));
    }
}

//! `GET /containers/{name}/json`: `docker inspect`.
//!
//! Mirrors moby `daemon/inspect.go` (v20.10.24) `ContainerInspectCurrent`
//! → `getInspectData`: the container's fields in the `types.ContainerJSON`
//! shape of the reference capture `_containers_ref1_json.txt`.
//!
//! Built as a JSON value (the system router does the same for `/info`):
//! the shape is long and flat, and only the wire form matters. What we
//! cannot fill honestly is empty rather than invented: no SandboxID (the
//! container's network namespace has no name of its own), `Driver` is `overlay2` because the
//! runtime does mount an overlay of the image layers, and `GraphDriver`
//! names the directories it uses.

use serde_json::{json, Value};

use super::container::traced_sync;
use super::list::{dir_size, endpoint_fields, mounts, networks};
use super::Daemon;
use crate::container::lock;
use crate::errdefs::Result;

impl Daemon {
    /// moby `ContainerInspect`.
    pub fn container_inspect(&self, name: &str, size: bool) -> Result<Value> {
        traced_sync("Daemon.ContainerInspect", name, || {
            let c = self.get_container(name)?;
            let c = lock(&c);
            let images = self.image_service()?;
            let lower: Vec<String> = match images.get_image(&c.image) {
                Ok(img) => images
                    .layer_dirs(&img)
                    .iter()
                    .rev()
                    .map(|p| p.display().to_string())
                    .collect(),
                Err(_) => Vec::new(),
            };
            let root = |f: &str| c.root.join(f).display().to_string();
            let ep = endpoint_fields(&c, "bridge");
            let exec_ids: Value = if c.exec_ids.is_empty() {
                Value::Null
            } else {
                json!(c.exec_ids)
            };
            let mut v = json!({
                "Id": c.id,
                "Created": c.created,
                "Path": c.path,
                "Args": c.args,
                "State": c.state.to_json(),
                "Image": c.image,
                "ResolvConfPath": c.resolv_conf_path(),
                "HostnamePath": c.hostname_path(),
                "HostsPath": c.hosts_path(),
                "LogPath": c.log_path,
                "Name": c.name,
                "RestartCount": c.restart_count,
                "Driver": "overlay2",
                "Platform": "linux",
                "MountLabel": "",
                "ProcessLabel": "",
                "AppArmorProfile": "",
                "ExecIDs": exec_ids,
                "HostConfig": c.host_config.to_json(),
                "GraphDriver": {
                    "Data": {
                        "LowerDir": lower.join(":"),
                        "MergedDir": root("rootfs"),
                        "UpperDir": root("upper"),
                        "WorkDir": root("work"),
                    },
                    "Name": "overlay2",
                },
                "Mounts": mounts(self, &c),
                "Config": c.config,
                "NetworkSettings": {
                    "Bridge": "",
                    "SandboxID": "",
                    "HairpinMode": false,
                    "LinkLocalIPv6Address": "",
                    "LinkLocalIPv6PrefixLen": 0,
                    "Ports": super::port_mapping::network_settings_ports(&c),
                    "SandboxKey": "",
                    "SecondaryIPAddresses": null,
                    "SecondaryIPv6Addresses": null,
                    "EndpointID": ep["EndpointID"],
                    "Gateway": ep["Gateway"],
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "IPAddress": ep["IPAddress"],
                    "IPPrefixLen": ep["IPPrefixLen"],
                    "IPv6Gateway": "",
                    "MacAddress": ep["MacAddress"],
                    "Networks": networks(&c, &self.network_ids()),
                },
            });
            if size {
                let rw = dir_size(&c.root.join("upper"));
                let image = images.get_image(&c.image).map(|i| i.size).unwrap_or(0);
                v["SizeRw"] = json!(rw);
                v["SizeRootFs"] = json!(rw + image);
            }
            Ok(v)
        })
    }
}

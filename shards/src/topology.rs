//! CPUs and NUMA nodes as the kernel reports them, and CPU lists as operators write them.

use std::collections::BTreeSet;
use std::path::Path;

use crate::Error;

/// The machine's CPUs: which are online, which this process may run on, and NUMA nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Online CPUs (`/sys/devices/system/cpu/online`).
    pub online: Vec<usize>,
    /// CPUs this process may run on (its affinity mask: taskset, cgroup cpusets).
    pub allowed: Vec<usize>,
    /// NUMA nodes with their CPUs, from `/sys/devices/system/node/node*/cpulist`.
    /// A machine without NUMA information gets one node 0 holding every online CPU.
    pub nodes: Vec<(usize, Vec<usize>)>,
}

impl Topology {
    /// Reads the running machine.
    #[must_use]
    pub fn detect() -> Self {
        Self::from_sysfs(Path::new("/sys/devices/system"), affinity())
    }

    /// Reads a sysfs tree rooted at `root` (`.../devices/system`); `allowed` is the affinity mask.
    #[must_use]
    pub fn from_sysfs(root: &Path, allowed: Option<Vec<usize>>) -> Self {
        let online = std::fs::read_to_string(root.join("cpu/online"))
            .ok()
            .and_then(|s| parse_cpu_list(s.trim()).ok())
            .unwrap_or_else(|| {
                (0..std::thread::available_parallelism().map_or(1, usize::from)).collect()
            });
        let mut nodes = Vec::new();
        if let Ok(dir) = std::fs::read_dir(root.join("node")) {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(id) = name
                    .strip_prefix("node")
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                if let Ok(list) = std::fs::read_to_string(entry.path().join("cpulist")) {
                    if let Ok(cpus) = parse_cpu_list(list.trim()) {
                        nodes.push((id, cpus));
                    }
                }
            }
        }
        nodes.sort();
        if nodes.is_empty() {
            nodes.push((0, online.clone()));
        }
        let allowed = allowed
            .map(|a| {
                a.into_iter()
                    .filter(|c| online.contains(c))
                    .collect::<Vec<_>>()
            })
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| online.clone());
        Topology {
            online,
            allowed,
            nodes,
        }
    }

    /// The NUMA node holding `cpu`.
    #[must_use]
    pub fn node_of(&self, cpu: usize) -> Option<usize> {
        self.nodes
            .iter()
            .find(|(_, cpus)| cpus.contains(&cpu))
            .map(|(n, _)| *n)
    }
}

fn affinity() -> Option<Vec<usize>> {
    core_affinity::get_core_ids().map(|ids| ids.into_iter().map(|c| c.id).collect())
}

/// How the config names a set of CPUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuSpec {
    /// Explicit CPU numbers.
    List(Vec<usize>),
    /// Every CPU the process may use.
    Auto,
    /// The first `n` allowed CPUs of every NUMA node.
    PerNumaNode(usize),
}

impl CpuSpec {
    /// Parses the string form: `"auto"` or a list like `"0-3,8"`.
    ///
    /// # Errors
    /// [`Error::CpuList`] on anything else.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.trim() == "auto" {
            Ok(CpuSpec::Auto)
        } else {
            parse_cpu_list(s).map(CpuSpec::List)
        }
    }

    /// The CPUs this spec names on `topo`.
    ///
    /// # Errors
    /// [`Error::NoSuchCpu`] when a listed CPU is not online or not allowed for this process.
    pub fn resolve(&self, topo: &Topology) -> Result<Vec<usize>, Error> {
        match self {
            CpuSpec::List(cpus) => {
                for c in cpus {
                    if !topo.online.contains(c) {
                        return Err(Error::NoSuchCpu {
                            cpu: *c,
                            online: format_cpu_list(&topo.online),
                        });
                    }
                    if !topo.allowed.contains(c) {
                        return Err(Error::CpuNotAllowed {
                            cpu: *c,
                            allowed: format_cpu_list(&topo.allowed),
                        });
                    }
                }
                Ok(cpus.clone())
            }
            CpuSpec::Auto => Ok(topo.allowed.clone()),
            CpuSpec::PerNumaNode(n) => {
                let mut out = Vec::new();
                for (_, cpus) in &topo.nodes {
                    out.extend(cpus.iter().filter(|c| topo.allowed.contains(c)).take(*n));
                }
                Ok(out)
            }
        }
    }
}

/// Parses a kernel-style CPU list: `"0-3,8,10-11"`. Duplicates are removed, order is ascending.
///
/// # Errors
/// [`Error::CpuList`] naming the offending part.
pub fn parse_cpu_list(s: &str) -> Result<Vec<usize>, Error> {
    let bad = |part: &str, why: &str| Error::CpuList {
        list: s.to_string(),
        part: part.to_string(),
        why: why.to_string(),
    };
    let mut set = BTreeSet::new();
    if s.trim().is_empty() {
        return Err(bad(s, "empty CPU list"));
    }
    for part in s.split(',') {
        let part = part.trim();
        let num = |x: &str| {
            x.trim()
                .parse::<usize>()
                .map_err(|_| bad(part, "not a CPU number"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(bad(part, "range runs backwards"));
                }
                if b - a > 65_536 {
                    return Err(bad(part, "range too large"));
                }
                set.extend(a..=b);
            }
            None => {
                set.insert(num(part)?);
            }
        }
    }
    Ok(set.into_iter().collect())
}

/// Formats CPUs the kernel's way: `[0,1,2,3,8]` -> `"0-3,8"`.
#[must_use]
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut sorted = cpus.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,8").unwrap(), vec![0, 1, 2, 3, 8]);
        assert_eq!(parse_cpu_list("2,1,1").unwrap(), vec![1, 2]);
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("a").is_err());
        assert!(parse_cpu_list("").is_err());
        assert_eq!(format_cpu_list(&[0, 1, 2, 3, 8, 10, 11]), "0-3,8,10-11");
    }

    fn fake_sysfs() -> (tempfile::TempDir, Topology) {
        let d = tempfile::tempdir().unwrap();
        let w = |p: &str, s: &str| {
            let path = d.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, s).unwrap();
        };
        w("cpu/online", "0-7\n");
        w("node/node0/cpulist", "0-3\n");
        w("node/node1/cpulist", "4-7\n");
        w("node/possible", "0-1\n");
        let t = Topology::from_sysfs(d.path(), Some(vec![0, 1, 2, 4, 5, 6, 7]));
        (d, t)
    }

    #[test]
    fn reads_numa_nodes_and_resolves_specs() {
        let (_d, t) = fake_sysfs();
        assert_eq!(t.nodes, vec![(0, vec![0, 1, 2, 3]), (1, vec![4, 5, 6, 7])]);
        assert_eq!(t.node_of(5), Some(1));
        assert_eq!(
            CpuSpec::PerNumaNode(2).resolve(&t).unwrap(),
            vec![0, 1, 4, 5]
        );
        assert_eq!(
            CpuSpec::Auto.resolve(&t).unwrap(),
            vec![0, 1, 2, 4, 5, 6, 7]
        );
        assert!(matches!(
            CpuSpec::List(vec![9]).resolve(&t),
            Err(Error::NoSuchCpu { cpu: 9, .. })
        ));
        assert!(matches!(
            CpuSpec::List(vec![3]).resolve(&t),
            Err(Error::CpuNotAllowed { cpu: 3, .. })
        ));
    }
}

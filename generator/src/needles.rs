//! The fixed set of planted needles and the seeded plan of where they go.

use crate::LogKind;
use crate::rng::{Rng, mix};

/// What kind of value a needle is; decides which record fields can carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Ipv4,
    Ipv6,
    User,
    Email,
    AccessKey,
    Sha256,
    UrlPath,
    WinPath,
}

impl Role {
    /// Short name used in the manifest.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Ipv4 => "ipv4",
            Role::Ipv6 => "ipv6",
            Role::User => "user",
            Role::Email => "email",
            Role::AccessKey => "access_key_id",
            Role::Sha256 => "sha256",
            Role::UrlPath => "url_path",
            Role::WinPath => "windows_path",
        }
    }

    /// Log kinds that have a natural field for this role (in planting order).
    pub(crate) fn kinds(self) -> &'static [LogKind] {
        use LogKind::*;
        match self {
            Role::Ipv4 => &[CloudTrail, VpcFlow, Sshd, WebAccess, WindowsEvent],
            Role::Ipv6 => &[CloudTrail, VpcFlow, Sshd, WebAccess],
            Role::User => &[CloudTrail, Sshd, WebAccess, WindowsEvent],
            Role::Email => &[CloudTrail, Sshd, WindowsEvent],
            Role::AccessKey => &[CloudTrail, WebAccess, WindowsEvent],
            Role::Sha256 => &[CloudTrail, WebAccess, WindowsEvent],
            Role::UrlPath => &[WebAccess, WindowsEvent],
            Role::WinPath => &[WindowsEvent],
        }
    }
}

/// One needle: a rare value planted in `count` records.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NeedleSpec {
    pub value: &'static str,
    pub role: Role,
    pub twin_of: Option<&'static str>,
    pub count: usize,
    pub description: &'static str,
}

const fn n(
    value: &'static str,
    role: Role,
    twin_of: Option<&'static str>,
    count: usize,
    description: &'static str,
) -> NeedleSpec {
    NeedleSpec {
        value,
        role,
        twin_of,
        count,
        description,
    }
}

const IP: &str = "172.31.255.77";
const IP6: &str = "2001:db8:feed:beef::1337";
const USER: &str = "zq-needle-user";
const EMAIL: &str = "tani@cookpad.com";
const KEY: &str = "AKIANEEDLE0000000001";
const HASH: &str = "22434446a642b1faa5c8bfc672033e82439446212e73d930f547f07a857b11b8";
const PATH: &str = "/needle/secret-path";
const WINPATH: &str = "C:\\Temp\\needle.exe";

/// Every needle and near-twin, in manifest order. Random vocabularies are built so that
/// none of these values (or anything containing them as a whole word) occurs by chance.
pub(crate) const NEEDLES: &[NeedleSpec] = &[
    n(
        IP,
        Role::Ipv4,
        None,
        5,
        "IPv4 address planted once per log kind",
    ),
    n(
        "172.31.255.7",
        Role::Ipv4,
        Some(IP),
        2,
        "near-twin of 172.31.255.77: it is a prefix of the needle",
    ),
    n(
        "172.31.255.177",
        Role::Ipv4,
        Some(IP),
        2,
        "near-twin of 172.31.255.77: one extra leading digit in the last octet",
    ),
    n(
        "72.31.255.77",
        Role::Ipv4,
        Some(IP),
        2,
        "near-twin of 172.31.255.77: the needle without its first digit",
    ),
    n(
        "172.31.255.78",
        Role::Ipv4,
        Some(IP),
        2,
        "near-twin of 172.31.255.77: last octet off by one",
    ),
    n(IP6, Role::Ipv6, None, 3, "IPv6 address (compressed form)"),
    n(
        "2001:db8:feed:beef::1338",
        Role::Ipv6,
        Some(IP6),
        2,
        "near-twin of the IPv6 needle: last group off by one",
    ),
    n(
        USER,
        Role::User,
        None,
        4,
        "user name containing '-' (not a delimiter)",
    ),
    n(
        "zq-needle-user2",
        Role::User,
        Some(USER),
        2,
        "near-twin of zq-needle-user: one extra trailing character",
    ),
    n(EMAIL, Role::Email, None, 3, "e-mail address"),
    n(
        "mizutani@cookpad.com",
        Role::Email,
        Some(EMAIL),
        3,
        "near-twin of tani@cookpad.com: the needle is its suffix",
    ),
    n(KEY, Role::AccessKey, None, 3, "AWS access key id"),
    n(
        "AKIANEEDLE0000000002",
        Role::AccessKey,
        Some(KEY),
        2,
        "near-twin of the access key id: last digit differs",
    ),
    n(
        HASH,
        Role::Sha256,
        None,
        3,
        "SHA-256 hex digest (upper case in Sysmon Hashes; match case-insensitively)",
    ),
    n(
        "22434446a642b1faa5c8bfc672033e82439446212e73d930f547f07a857b11b9",
        Role::Sha256,
        Some(HASH),
        2,
        "near-twin of the SHA-256 needle: last hex digit differs",
    ),
    n(PATH, Role::UrlPath, None, 3, "URL path"),
    n(
        "/needle/secret-path-old",
        Role::UrlPath,
        Some(PATH),
        2,
        "near-twin of /needle/secret-path: '-old' appended ('-' is not a delimiter)",
    ),
    n(
        WINPATH,
        Role::WinPath,
        None,
        2,
        "Windows executable path (JSON-escaped in the file)",
    ),
    n(
        "C:\\Temp\\needles.exe",
        Role::WinPath,
        Some(WINPATH),
        2,
        "near-twin of C:\\Temp\\needle.exe: one extra character in the file name",
    ),
];

/// What a record generator is asked to embed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plant {
    pub role: Role,
    pub value: &'static str,
}

/// One planned occurrence: needle `needle` goes into file `file` of `kind`, in the first
/// record written once `ppm` millionths of the file's byte budget have been written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement {
    pub needle: usize,
    pub kind: LogKind,
    pub file: usize,
    pub ppm: u64,
}

/// Plans every needle occurrence for the given kinds, spread over files and time.
pub(crate) fn plan(seed: u64, kinds: &[LogKind], files_per_kind: usize) -> Vec<Placement> {
    let mut rng = Rng::new(mix(seed, 0x4E45_4544_4C45));
    let mut out = Vec::new();
    for (idx, spec) in NEEDLES.iter().enumerate() {
        let allowed: Vec<LogKind> = spec
            .role
            .kinds()
            .iter()
            .copied()
            .filter(|k| kinds.contains(k))
            .collect();
        if allowed.is_empty() {
            continue;
        }
        let offset = rng.index(allowed.len());
        for j in 0..spec.count {
            let kind = allowed[(offset + j) % allowed.len()];
            let file = rng.index(files_per_kind);
            // Spread occurrences over time: slot j of count, jittered, inside [2%, 95%).
            let slot = (j as u64 * 1_000_000 + rng.below(1_000_000)) / spec.count as u64;
            let ppm = 20_000 + slot * 930 / 1000;
            out.push(Placement {
                needle: idx,
                kind,
                file,
                ppm,
            });
        }
    }
    out
}

/// True if `hay` contains `needle` (ASCII case-insensitive) anywhere.
pub(crate) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// True if a random vocabulary entry is safe: it contains no needle fragment at all.
pub(crate) fn is_safe(s: &str) -> bool {
    let b = s.as_bytes();
    !(contains_ci(b, b"needle")
        || contains_ci(b, b"cookpad")
        || contains_ci(b, b"tani")
        || contains_ci(b, b"172.31.")
        || contains_ci(b, b"72.31.255")
        || contains_ci(b, b"2001:db8")
        || contains_ci(b, b"22434446a642"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_unique_and_twins_refer_to_needles() {
        for (i, a) in NEEDLES.iter().enumerate() {
            assert!((1..=5).contains(&a.count), "{}", a.value);
            for b in &NEEDLES[i + 1..] {
                assert_ne!(a.value.to_ascii_lowercase(), b.value.to_ascii_lowercase());
            }
            if let Some(t) = a.twin_of {
                assert!(NEEDLES.iter().any(|x| x.value == t && x.twin_of.is_none()));
            }
            assert!(!is_safe(a.value), "{} must be caught by is_safe", a.value);
        }
    }

    #[test]
    fn plan_respects_kinds_and_bounds() {
        let p = plan(1, &[LogKind::Sshd], 3);
        assert!(!p.is_empty());
        for x in &p {
            assert_eq!(x.kind, LogKind::Sshd);
            assert!(x.file < 3);
            assert!((20_000..950_000).contains(&x.ppm));
        }
        let all = plan(1, &LogKind::ALL, 4);
        let total: usize = NEEDLES.iter().map(|n| n.count).sum();
        assert_eq!(all.len(), total);
        for k in LogKind::ALL {
            assert!(all.iter().any(|x| x.kind == k && x.needle == 0));
        }
    }
}

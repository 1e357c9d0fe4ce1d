//! Seeded vocabularies shared by all log kinds: addresses, users, keys and hosts.
//!
//! Every pool is built once per run from the seed and sampled with a Zipf-like skew, so a
//! few values dominate (as in real logs) while the cardinalities stay realistic.

use std::collections::HashSet;

use crate::needles::is_safe;
use crate::out::{push_hex, push_ipv4, push_rand_base32, push_rand_base64};
use crate::rng::{Rng, Zipf, mix};

/// Number of distinct internal (10.0.0.0/8) addresses.
pub(crate) const INTERNAL_IPS: usize = 2_000;
/// Number of distinct external IPv4 addresses.
pub(crate) const EXTERNAL_IPS: usize = 50_000;
/// Number of distinct external IPv6 addresses.
pub(crate) const EXTERNAL_IPV6: usize = 2_000;
/// Number of distinct user names.
pub(crate) const USERS: usize = 500;
/// Number of IAM users that own a long-term access key (`AKIA…`).
pub(crate) const ACCESS_KEYS: usize = 50;

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "xavier", "yuki",
    "kenji", "haruto", "sakura", "emma", "liam", "noah", "ava", "mia", "lucas", "sofia", "mateo",
    "chloe", "ethan", "zoe", "omar", "fatima", "raj", "priya", "chen", "wei", "hana", "diego",
    "lucia", "igor", "olga", "sven", "ingrid", "pierre", "amelie", "marco", "giulia", "tom",
    "anna", "ben", "clara", "felix", "nora", "leo", "ida",
];
const LAST: &[&str] = &[
    "smith",
    "johnson",
    "brown",
    "garcia",
    "miller",
    "davis",
    "lopez",
    "wilson",
    "anderson",
    "taylor",
    "thomas",
    "moore",
    "martin",
    "lee",
    "walker",
    "hall",
    "allen",
    "young",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
    "nelson",
    "hill",
    "campbell",
    "mitchell",
    "roberts",
    "carter",
    "evans",
    "turner",
    "torres",
    "parker",
    "collins",
    "edwards",
    "stewart",
    "morris",
    "murphy",
    "rogers",
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "watanabe",
    "ito",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
];
const SERVICE_USERS: &[&str] = &[
    "svc-backup",
    "svc-sql",
    "svc-web",
    "deploy-bot",
    "terraform",
    "ci-runner",
    "jenkins",
    "ansible",
    "github-actions",
    "datadog",
    "splunk-fwd",
    "svc-monitoring",
    "ec2-user",
    "ubuntu",
    "svc-etl",
    "svc-reporting",
    "packer",
    "vault-agent",
    "svc-adsync",
    "svc-scan",
];

/// Seeded pools of identities and addresses.
pub(crate) struct Vocab {
    pub internal: Vec<[u8; 4]>,
    pub internal_zipf: Zipf,
    pub external: Vec<[u8; 4]>,
    pub external_zipf: Zipf,
    pub external6: Vec<String>,
    pub external6_zipf: Zipf,
    pub users: Vec<String>,
    pub user_zipf: Zipf,
    pub keys: Vec<String>,
    pub key_zipf: Zipf,
    pub accounts: [String; 5],
    pub seed: u64,
}

impl Vocab {
    /// Builds all pools for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Rng::new(mix(seed, 0x0056_4F43_4142));
        let internal = build_internal(&mut rng);
        let external = build_external(&mut rng);
        let external6 = build_external6(&mut rng);
        let users = build_users(&mut rng);
        let keys = build_keys(&mut rng);
        let mut accounts: [String; 5] = Default::default();
        accounts[0] = "123456789012".to_string();
        for a in accounts.iter_mut().skip(1) {
            *a = format!("{:012}", 100_000_000_000 + rng.below(899_999_999_999));
        }
        Vocab {
            internal_zipf: Zipf::new(internal.len(), 5),
            internal,
            external_zipf: Zipf::new(external.len(), 20),
            external,
            external6_zipf: Zipf::new(external6.len(), 10),
            external6,
            user_zipf: Zipf::new(users.len(), 3),
            users,
            key_zipf: Zipf::new(keys.len(), 2),
            keys,
            accounts,
            seed,
        }
    }

    /// An internal address (index, address).
    #[inline]
    pub(crate) fn internal_ip(&self, rng: &mut Rng) -> (usize, [u8; 4]) {
        let i = self.internal_zipf.sample(rng);
        (i, self.internal[i])
    }

    /// An external IPv4 address, skewed (a few scanners and clients dominate).
    #[inline]
    pub(crate) fn external_ip(&self, rng: &mut Rng) -> [u8; 4] {
        self.external[self.external_zipf.sample(rng)]
    }

    /// An external IPv6 address.
    #[inline]
    pub(crate) fn external_ip6(&self, rng: &mut Rng) -> &str {
        &self.external6[self.external6_zipf.sample(rng)]
    }

    /// A user (rank, name); low ranks are much more frequent.
    #[inline]
    pub(crate) fn user(&self, rng: &mut Rng) -> (usize, &str) {
        let i = self.user_zipf.sample(rng);
        (i, &self.users[i])
    }

    /// An IAM user owning an access key: (rank, user name, key id).
    #[inline]
    pub(crate) fn key_user(&self, rng: &mut Rng) -> (usize, &str, &str) {
        let i = self.key_zipf.sample(rng);
        (i, &self.users[i], &self.keys[i])
    }

    /// Appends a stable pseudo-random id of `n` base32 chars for `(tag, i)` (e.g. `AIDA…`).
    pub(crate) fn push_id(&self, buf: &mut Vec<u8>, tag: u64, i: u64, n: usize) {
        let mut r = Rng::new(mix(mix(self.seed, tag), i));
        push_rand_base32(buf, &mut r, n);
    }

    /// Appends a stable lowercase hex id of `n` chars for `(tag, i)` (e.g. ENI, instance ids).
    pub(crate) fn push_hex_id(&self, buf: &mut Vec<u8>, tag: u64, i: u64, n: u32) {
        let h = mix(mix(self.seed, tag), i);
        push_hex(buf, h, n.min(16));
        if n > 16 {
            push_hex(buf, mix(h, 1), n - 16);
        }
    }

    /// Appends a stable SSH key fingerprint body (43 base64 chars) for user rank `i`.
    pub(crate) fn push_fingerprint(&self, buf: &mut Vec<u8>, i: u64) {
        let mut r = Rng::new(mix(mix(self.seed, 0x0053_5348), i));
        push_rand_base64(buf, &mut r, 43);
    }

    /// Appends a stable SHA-256 (64 hex chars) for binary `i` of a small pool.
    pub(crate) fn push_sha256(&self, buf: &mut Vec<u8>, i: u64, upper: bool) {
        let mut r = Rng::new(mix(mix(self.seed, 0x0053_4841), i));
        // The pool is tiny and fixed per seed; a collision with a needle digest would need a
        // 2^-256 coincidence, and the first nibble is forced away from the needle's anyway.
        let start = buf.len();
        crate::out::push_rand_hex(buf, &mut r, 64, upper);
        if buf[start] == b'2' {
            buf[start] = b'3';
        }
    }
}

fn build_internal(rng: &mut Rng) -> Vec<[u8; 4]> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(INTERNAL_IPS);
    while out.len() < INTERNAL_IPS {
        // A few VPCs (10.0/16 … 10.3/16) with /24 subnets; hosts avoid .0-.3 and .255.
        let ip = [
            10,
            rng.below(4) as u8,
            rng.skewed(0, 40) as u8,
            rng.range(4, 254) as u8,
        ];
        if seen.insert(ip) {
            out.push(ip);
        }
    }
    out
}

fn is_public_looking(ip: [u8; 4]) -> bool {
    let [a, b, ..] = ip;
    !(a == 0
        || a == 10
        || a == 72
        || a == 100 && (64..128).contains(&b)
        || a == 127
        || a == 169 && b == 254
        || a == 172
        || a == 192 && b == 168
        || a == 198 && (b == 18 || b == 19)
        || a >= 224)
}

fn build_external(rng: &mut Rng) -> Vec<[u8; 4]> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(EXTERNAL_IPS);
    while out.len() < EXTERNAL_IPS {
        let h = rng.next_u64();
        let ip = [(h >> 24) as u8, (h >> 16) as u8, (h >> 8) as u8, h as u8];
        if ip[3] == 0 || ip[3] == 255 || !is_public_looking(ip) {
            continue;
        }
        let mut s = Vec::with_capacity(15);
        push_ipv4(&mut s, ip);
        if seen.insert(ip) && is_safe(std::str::from_utf8(&s).unwrap_or("")) {
            out.push(ip);
        }
    }
    out
}

fn build_external6(rng: &mut Rng) -> Vec<String> {
    const PREFIXES: &[&str] = &[
        "2600:1f18",
        "2a05:d014",
        "2406:da14",
        "2a02:26f0",
        "2604:a880",
    ];
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(EXTERNAL_IPV6);
    while out.len() < EXTERNAL_IPV6 {
        let h = rng.next_u64();
        let p = PREFIXES[(h % PREFIXES.len() as u64) as usize];
        let s = format!(
            "{p}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}",
            (h >> 8) & 0xFFFF,
            (h >> 24) & 0xFFFF,
            (h >> 40) & 0xFFF,
            rng.below(0x10000),
            rng.below(0x10000),
            rng.below(0x10000) | 1
        );
        if is_safe(&s) && seen.insert(s.clone()) {
            out.push(s);
        }
    }
    out
}

fn build_users(rng: &mut Rng) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out: Vec<String> = SERVICE_USERS.iter().map(|s| s.to_string()).collect();
    seen.extend(out.iter().cloned());
    while out.len() < USERS {
        let f = rng.pick(FIRST);
        let l = rng.pick(LAST);
        let name = match rng.below(3) {
            0 => format!("{f}.{l}"),
            1 => format!("{}{l}", &f[..1]),
            _ => format!("{f}{}", &l[..1]),
        };
        if is_safe(&name) && seen.insert(name.clone()) {
            out.push(name);
        }
    }
    // Shuffle so service accounts and people are mixed across the popularity ranks.
    for i in (1..out.len()).rev() {
        let j = rng.index(i + 1);
        out.swap(i, j);
    }
    out
}

fn build_keys(rng: &mut Rng) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(ACCESS_KEYS);
    while out.len() < ACCESS_KEYS {
        let mut b = b"AKIA".to_vec();
        push_rand_base32(&mut b, rng, 16);
        let s = String::from_utf8(b).unwrap_or_default();
        if is_safe(&s) && seen.insert(s.clone()) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_have_requested_cardinalities_and_are_safe() {
        let v = Vocab::new(42);
        assert_eq!(v.internal.len(), INTERNAL_IPS);
        assert_eq!(v.external.len(), EXTERNAL_IPS);
        assert_eq!(v.users.len(), USERS);
        assert_eq!(v.keys.len(), ACCESS_KEYS);
        assert!(v.users.iter().all(|u| is_safe(u)));
        assert!(
            v.keys
                .iter()
                .all(|k| k.len() == 20 && k.starts_with("AKIA"))
        );
        assert!(
            v.external
                .iter()
                .all(|ip| ip[0] != 172 && ip[0] != 72 && ip[0] != 10)
        );
        for list in [FIRST, LAST, SERVICE_USERS] {
            assert!(list.iter().all(|s| is_safe(s)));
        }
    }

    #[test]
    fn pools_depend_only_on_seed() {
        let (a, b) = (Vocab::new(5), Vocab::new(5));
        assert_eq!(a.external, b.external);
        assert_eq!(a.users, b.users);
        assert_ne!(a.users, Vocab::new(6).users);
    }
}

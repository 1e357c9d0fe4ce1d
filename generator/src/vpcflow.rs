//! AWS VPC Flow Logs, version 2 default format.

use crate::engine::RecordGen;
use crate::needles::{Plant, Role};
use crate::out::{push_hex, push_ipv4, push_u64};
use crate::rng::{Rng, mix, weighted};
use crate::vocab::Vocab;

const HEADER: &[u8] = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
/// Number of distinct network interfaces.
const ENIS: u64 = 300;
const EGRESS_PORTS: &[(u16, u8)] = &[
    (443, 6),
    (443, 6),
    (443, 6),
    (443, 6),
    (443, 6),
    (443, 6),
    (80, 6),
    (80, 6),
    (53, 17),
    (123, 17),
    (22, 6),
    (587, 6),
];
const EAST_WEST_PORTS: &[u16] = &[
    5432, 3306, 6379, 443, 443, 8080, 9092, 2049, 8443, 9200, 27017, 53, 10250, 2379,
];
const PROBE_PORTS: &[u16] = &[
    22, 22, 22, 3389, 3389, 23, 445, 1433, 5900, 8080, 6379, 9200, 2375, 5432, 80, 443, 8443,
];

/// Record generator for one VPC Flow Logs file.
pub(crate) struct Gen<'a> {
    v: &'a Vocab,
    rng: Rng,
    hi: i64,
}

impl<'a> Gen<'a> {
    /// `hi` is the exclusive end of the time range in seconds (`end` fields stay below it).
    pub(crate) fn new(v: &'a Vocab, rng: Rng, _file: usize, hi: i64) -> Self {
        Gen { v, rng, hi }
    }

    fn prefix(&mut self, out: &mut Vec<u8>, internal_idx: usize, internal: [u8; 4]) {
        out.extend_from_slice(b"2 ");
        let acct = &self.v.accounts[usize::from(internal[1]) % self.v.accounts.len()];
        out.extend_from_slice(acct.as_bytes());
        out.extend_from_slice(b" eni-0");
        let eni = mix(self.v.seed ^ 0x454E49, internal_idx as u64 % ENIS);
        push_hex(out, eni, 16);
        out.push(b' ');
    }

    fn ephemeral(&mut self) -> u64 {
        self.rng.range(32_768, 65_535)
    }

    fn counts_and_times(&mut self, out: &mut Vec<u8>, proto: u64, big: bool, t: i64) {
        out.push(b' ');
        push_u64(out, proto);
        out.push(b' ');
        let packets = if big {
            self.rng.skewed(1, 20_000)
        } else {
            self.rng.range(1, 3)
        };
        push_u64(out, packets);
        out.push(b' ');
        let per = if big {
            self.rng.range(52, 1_400)
        } else {
            self.rng.range(40, 60)
        };
        push_u64(out, packets * per);
        out.push(b' ');
        push_u64(out, t as u64);
        out.push(b' ');
        let end = (t + self.rng.range(1, 60) as i64).min(self.hi - 1).max(t);
        push_u64(out, end as u64);
    }

    fn internal_v6(&self, out: &mut Vec<u8>, idx: usize) {
        out.extend_from_slice(b"2600:1f18:4c1:ce00:");
        let h = mix(self.v.seed ^ 0x5636, idx as u64);
        for g in 0..4 {
            push_hex(out, (h >> (g * 16)) & 0xFFFF | 1, 4);
            if g < 3 {
                out.push(b':');
            }
        }
    }
}

impl RecordGen for Gen<'_> {
    fn header(&self) -> Option<&'static [u8]> {
        Some(HEADER)
    }

    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str {
        let (idx, internal) = self.v.internal_ip(&mut self.rng);
        self.prefix(out, idx, internal);
        if let Some(p) = plant {
            // An external source talking to one of our hosts.
            out.extend_from_slice(p.value.as_bytes());
            out.push(b' ');
            if p.role == Role::Ipv6 {
                self.internal_v6(out, idx);
            } else {
                push_ipv4(out, internal);
            }
            out.push(b' ');
            push_u64(out, self.ephemeral());
            out.extend_from_slice(b" 22");
            self.counts_and_times(out, 6, false, t);
            out.extend_from_slice(b" REJECT OK\n");
            return "srcaddr";
        }
        match weighted(&mut self.rng, &[35, 25, 25, 12, 2, 1]) {
            0 => {
                // Egress to the internet.
                let &(port, proto) = self.rng.pick(EGRESS_PORTS);
                push_ipv4(out, internal);
                out.push(b' ');
                push_ipv4(out, self.v.external_ip(&mut self.rng));
                out.push(b' ');
                push_u64(out, self.ephemeral());
                out.push(b' ');
                push_u64(out, u64::from(port));
                self.counts_and_times(out, u64::from(proto), true, t);
                out.extend_from_slice(b" ACCEPT OK\n");
            }
            1 => {
                // Return traffic from the internet.
                push_ipv4(out, self.v.external_ip(&mut self.rng));
                out.push(b' ');
                push_ipv4(out, internal);
                out.extend_from_slice(if self.rng.chance(8_000) {
                    b" 443 "
                } else {
                    b" 80 "
                });
                push_u64(out, self.ephemeral());
                self.counts_and_times(out, 6, true, t);
                out.extend_from_slice(b" ACCEPT OK\n");
            }
            2 => {
                // East-west between our hosts.
                let (_, other) = self.v.internal_ip(&mut self.rng);
                push_ipv4(out, other);
                out.push(b' ');
                push_ipv4(out, internal);
                out.push(b' ');
                push_u64(out, self.ephemeral());
                out.push(b' ');
                let port = *self.rng.pick(EAST_WEST_PORTS);
                push_u64(out, u64::from(port));
                let proto = if port == 53 { 17 } else { 6 };
                self.counts_and_times(out, proto, true, t);
                out.extend_from_slice(if self.rng.chance(9_700) {
                    b" ACCEPT OK\n"
                } else {
                    b" REJECT OK\n"
                });
            }
            3 => {
                // Internet background noise: scans, mostly rejected.
                push_ipv4(out, self.v.external_ip(&mut self.rng));
                out.push(b' ');
                push_ipv4(out, internal);
                out.push(b' ');
                if self.rng.chance(300) {
                    out.extend_from_slice(b"0 0");
                    self.counts_and_times(out, 1, false, t);
                } else {
                    push_u64(out, self.ephemeral());
                    out.push(b' ');
                    push_u64(out, u64::from(*self.rng.pick(PROBE_PORTS)));
                    self.counts_and_times(out, 6, false, t);
                }
                out.extend_from_slice(if self.rng.chance(9_000) {
                    b" REJECT OK\n"
                } else {
                    b" ACCEPT OK\n"
                });
            }
            4 => {
                out.extend_from_slice(b"- - - - - - -");
                out.push(b' ');
                push_u64(out, t as u64);
                out.push(b' ');
                push_u64(out, (t + 59).min(self.hi - 1) as u64);
                out.extend_from_slice(if self.rng.chance(9_500) {
                    b" - NODATA\n"
                } else {
                    b" - SKIPDATA\n"
                });
            }
            _ => {
                // IPv6 traffic to a dual-stack interface.
                out.extend_from_slice(self.v.external_ip6(&mut self.rng).as_bytes());
                out.push(b' ');
                self.internal_v6(out, idx);
                out.push(b' ');
                push_u64(out, self.ephemeral());
                out.extend_from_slice(b" 443");
                self.counts_and_times(out, 6, true, t);
                out.extend_from_slice(b" ACCEPT OK\n");
            }
        }
        ""
    }
}

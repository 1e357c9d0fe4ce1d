//! Windows Security-Auditing and Sysmon events, shaped like `evtx_dump -o jsonl` output.

mod data;

use crate::engine::RecordGen;
use crate::needles::{Plant, Role};
use crate::out::{push_iso_micros, push_pad, push_u64};
use crate::rng::{Rng, weighted};
use crate::vocab::Vocab;

/// Number of distinct computers.
const COMPUTERS: u64 = 240;
const SECURITY_GUID: &str = "{54849625-5478-4994-A5BA-3E3B0328C30D}";
const SYSMON_GUID: &str = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}";

/// Event ids (with weights) of ordinary traffic.
const MIX: &[(u32, u32)] = &[
    (4624, 300),
    (4634, 150),
    (4672, 120),
    (4625, 100),
    (4688, 150),
    (1, 60),
    (3, 60),
    (4768, 30),
    (4769, 30),
    (4648, 10),
    (4740, 3),
    (4720, 2),
    (4732, 2),
];

/// Record generator for one Windows events file.
pub(crate) struct Gen<'a> {
    v: &'a Vocab,
    rng: Rng,
    weights: Vec<u32>,
    record_id: u64,
    computer: Vec<u8>,
}

impl<'a> Gen<'a> {
    pub(crate) fn new(v: &'a Vocab, rng: Rng, file: usize) -> Self {
        Gen {
            v,
            rng,
            weights: MIX.iter().map(|m| m.1).collect(),
            record_id: 1_000_000 * (file as u64 + 1),
            computer: Vec::with_capacity(40),
        }
    }

    /// Picks a computer; fills `self.computer` with its FQDN and returns its index.
    fn pick_computer(&mut self, dc: bool) -> u64 {
        let i = if dc {
            self.rng.below(4)
        } else {
            self.rng.skewed(0, COMPUTERS - 1)
        };
        let c = &mut self.computer;
        c.clear();
        match i {
            0..4 => {
                c.extend_from_slice(b"DC0");
                push_u64(c, i + 1);
            }
            4..20 => {
                c.extend_from_slice(b"SRV-APP");
                push_pad(c, i - 3, 2);
            }
            20..30 => {
                c.extend_from_slice(b"SRV-SQL");
                push_pad(c, i - 19, 2);
            }
            30..40 => {
                c.extend_from_slice(b"SRV-FILE");
                push_pad(c, i - 29, 2);
            }
            _ => {
                c.extend_from_slice(b"WS-");
                push_pad(c, i - 39, 4);
            }
        }
        c.extend_from_slice(b".corp.example.com");
        i
    }

    fn system(&mut self, out: &mut Vec<u8>, id: u32, t: i64, comp: u64) {
        let sysmon = id < 100;
        out.extend_from_slice(b"{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"");
        if sysmon {
            out.extend_from_slice(b"Microsoft-Windows-Sysmon\",\"Guid\":\"");
            out.extend_from_slice(SYSMON_GUID.as_bytes());
        } else {
            out.extend_from_slice(b"Microsoft-Windows-Security-Auditing\",\"Guid\":\"");
            out.extend_from_slice(SECURITY_GUID.as_bytes());
        }
        out.extend_from_slice(b"\"}},\"EventID\":");
        push_u64(out, u64::from(id));
        let (version, level, task) = match id {
            1 => (5, 4, 1),
            3 => (5, 4, 3),
            4624 => (2, 0, 12544),
            4625 | 4648 => (0, 0, 12544),
            4634 => (0, 0, 12545),
            4672 => (0, 0, 12548),
            4688 => (2, 0, 13312),
            4768 => (0, 0, 14339),
            4769 => (0, 0, 14337),
            4740 | 4720 => (0, 0, 13824),
            _ => (0, 0, 13826),
        };
        out.extend_from_slice(b",\"Version\":");
        push_u64(out, version);
        out.extend_from_slice(b",\"Level\":");
        push_u64(out, level);
        out.extend_from_slice(b",\"Task\":");
        push_u64(out, task);
        out.extend_from_slice(b",\"Opcode\":0,\"Keywords\":\"");
        out.extend_from_slice(match id {
            1 | 3 => b"0x8000000000000000",
            4625 => b"0x8010000000000000",
            _ => b"0x8020000000000000",
        });
        out.extend_from_slice(b"\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
        push_iso_micros(out, t);
        out.extend_from_slice(b"\"}},\"EventRecordID\":");
        self.record_id += 1;
        push_u64(out, self.record_id);
        out.extend_from_slice(
            b",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":",
        );
        push_u64(
            out,
            if sysmon {
                3_000 + comp * 7 % 900
            } else {
                600 + comp * 4 % 200
            },
        );
        out.extend_from_slice(b",\"ThreadID\":");
        push_u64(out, self.rng.range(100, 12_000));
        out.extend_from_slice(b"}},\"Channel\":\"");
        out.extend_from_slice(if sysmon {
            &b"Microsoft-Windows-Sysmon/Operational"[..]
        } else {
            b"Security"
        });
        out.extend_from_slice(b"\",\"Computer\":\"");
        out.extend_from_slice(&self.computer);
        out.extend_from_slice(if sysmon {
            &b"\",\"Security\":{\"#attributes\":{\"UserID\":\"S-1-5-18\"}}},\"EventData\":{"[..]
        } else {
            b"\",\"Security\":null},\"EventData\":{"
        });
    }
}

impl RecordGen for Gen<'_> {
    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str {
        let id = match plant.map(|p| p.role) {
            Some(Role::Ipv4 | Role::Ipv6 | Role::Email) => 4625,
            Some(Role::User) => 4624,
            Some(Role::Sha256) => 1,
            Some(_) => 4688,
            None => MIX[weighted(&mut self.rng, &self.weights)].0,
        };
        let comp = self.pick_computer(matches!(id, 4768 | 4769));
        self.system(out, id, t, comp);
        let field = self.event_data(out, id, comp, t, plant);
        out.extend_from_slice(b"}}}\n");
        field
    }
}

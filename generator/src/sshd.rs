//! OpenSSH `sshd` messages in BSD syslog format.

use crate::engine::RecordGen;
use crate::needles::{Plant, Role};
use crate::out::{push_ipv4, push_syslog, push_u64};
use crate::rng::{Rng, weighted};
use crate::vocab::Vocab;

/// Names tried by internet brute-forcers.
const INVALID_USERS: &[&str] = &[
    "admin",
    "admin",
    "admin",
    "test",
    "user",
    "oracle",
    "postgres",
    "guest",
    "pi",
    "support",
    "git",
    "ftpuser",
    "test1",
    "user1",
    "administrator",
    "mysql",
    "hadoop",
    "deploy",
    "dev",
    "nagios",
    "tomcat",
    "minecraft",
    "steam",
    "ts3",
    "elastic",
    "docker",
    "centos",
    "debian",
    "vagrant",
    "uucp",
    "operator",
    "apache",
    "nginx",
    "redis",
    "teamspeak",
    "zabbix",
    "odoo",
    "solr",
    "ftp",
    "backup",
    "sysadmin",
    "web",
    "webmaster",
    "demo",
    "info",
    "office",
    "sales",
    "tester",
    "testuser",
    "default",
    "service",
    "admin1",
    "user01",
    "es",
    "jboss",
    "kafka",
    "gitlab-runner",
    "www",
    "mongodb",
    "ansible",
];
const BASTIONS: &[&str] = &["bastion-1", "bastion-2", "bastion-3"];
const KEY_TYPES: &[&str] = &["RSA", "ED25519", "ED25519", "ECDSA"];

/// Record generator for one sshd syslog file.
pub(crate) struct Gen<'a> {
    v: &'a Vocab,
    rng: Rng,
}

impl<'a> Gen<'a> {
    pub(crate) fn new(v: &'a Vocab, rng: Rng, _file: usize) -> Self {
        Gen { v, rng }
    }

    fn prefix(&mut self, out: &mut Vec<u8>, t: i64) {
        push_syslog(out, t);
        out.push(b' ');
        if self.rng.chance(6_500) {
            out.extend_from_slice(self.rng.pick(BASTIONS).as_bytes());
        } else {
            // Other servers, named after their address: ip-10-0-3-17.
            let ip = self.v.internal[self.rng.index(40)];
            out.extend_from_slice(b"ip-10-");
            for (i, o) in ip[1..].iter().enumerate() {
                push_u64(out, u64::from(*o));
                if i < 2 {
                    out.push(b'-');
                }
            }
        }
        out.extend_from_slice(b" sshd[");
        push_u64(out, self.rng.range(1_000, 65_535));
        out.extend_from_slice(b"]: ");
    }

    fn ext_ip(&mut self, out: &mut Vec<u8>) {
        if self.rng.chance(300) {
            out.extend_from_slice(self.v.external_ip6(&mut self.rng).as_bytes());
        } else {
            push_ipv4(out, self.v.external_ip(&mut self.rng));
        }
    }

    fn int_ip(&mut self, out: &mut Vec<u8>) {
        push_ipv4(out, self.v.internal_ip(&mut self.rng).1);
    }

    fn port(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b" port ");
        push_u64(out, self.rng.range(1_024, 65_535));
    }

    fn invalid_user(&mut self) -> &'static str {
        INVALID_USERS[self.rng.index(INVALID_USERS.len())]
    }

    fn accepted_key(&mut self, out: &mut Vec<u8>, user: &[u8], rank: u64) {
        out.extend_from_slice(b"Accepted publickey for ");
        out.extend_from_slice(user);
        out.extend_from_slice(b" from ");
        self.int_ip(out);
        self.port(out);
        out.extend_from_slice(b" ssh2: ");
        out.extend_from_slice(KEY_TYPES[(rank % KEY_TYPES.len() as u64) as usize].as_bytes());
        out.extend_from_slice(b" SHA256:");
        self.v.push_fingerprint(out, rank);
        out.push(b'\n');
    }
}

impl RecordGen for Gen<'_> {
    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str {
        self.prefix(out, t);
        if let Some(p) = plant {
            return match p.role {
                Role::User => {
                    self.accepted_key(out, p.value.as_bytes(), 9_999);
                    "user"
                }
                Role::Email => {
                    out.extend_from_slice(b"Invalid user ");
                    out.extend_from_slice(p.value.as_bytes());
                    out.extend_from_slice(b" from ");
                    self.ext_ip(out);
                    self.port(out);
                    out.push(b'\n');
                    "user"
                }
                _ => {
                    out.extend_from_slice(b"Failed password for invalid user ");
                    out.extend_from_slice(self.invalid_user().as_bytes());
                    out.extend_from_slice(b" from ");
                    out.extend_from_slice(p.value.as_bytes());
                    self.port(out);
                    out.extend_from_slice(b" ssh2\n");
                    "rhost"
                }
            };
        }
        let w = [20, 14, 10, 8, 5, 5, 5, 8, 2, 9, 8, 4, 4, 4, 2, 2];
        match weighted(&mut self.rng, &w) {
            0 => {
                out.extend_from_slice(b"Failed password for invalid user ");
                out.extend_from_slice(self.invalid_user().as_bytes());
                out.extend_from_slice(b" from ");
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b" ssh2");
            }
            1 => {
                out.extend_from_slice(b"Invalid user ");
                out.extend_from_slice(self.invalid_user().as_bytes());
                out.extend_from_slice(b" from ");
                self.ext_ip(out);
                self.port(out);
            }
            2 => {
                out.extend_from_slice(b"Failed password for root from ");
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b" ssh2");
            }
            3 => {
                out.extend_from_slice(b"Disconnected from invalid user ");
                out.extend_from_slice(self.invalid_user().as_bytes());
                out.push(b' ');
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b" [preauth]");
            }
            4 => {
                out.extend_from_slice(b"Connection closed by authenticating user root ");
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b" [preauth]");
            }
            5 => {
                out.extend_from_slice(b"Received disconnect from ");
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b":11: Bye Bye [preauth]");
            }
            6 => {
                out.extend_from_slice(b"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=");
                self.ext_ip(out);
                out.extend_from_slice(b"  user=root");
            }
            7 => {
                let (rank, user) = self.v.user(&mut self.rng);
                self.accepted_key(out, user.as_bytes(), rank as u64);
                return "";
            }
            8 => {
                out.extend_from_slice(b"Accepted password for ");
                out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
                out.extend_from_slice(b" from ");
                self.int_ip(out);
                self.port(out);
                out.extend_from_slice(b" ssh2");
            }
            9 => {
                out.extend_from_slice(b"pam_unix(sshd:session): session opened for user ");
                out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
                out.extend_from_slice(b" by (uid=0)");
            }
            10 => {
                out.extend_from_slice(b"pam_unix(sshd:session): session closed for user ");
                out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
            }
            11 => {
                out.extend_from_slice(b"Received disconnect from ");
                self.int_ip(out);
                self.port(out);
                out.extend_from_slice(b":11: disconnected by user");
            }
            12 => {
                out.extend_from_slice(b"Disconnected from user ");
                out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
                out.push(b' ');
                self.int_ip(out);
                self.port(out);
            }
            13 => {
                out.extend_from_slice(b"Connection closed by ");
                self.ext_ip(out);
                self.port(out);
                out.extend_from_slice(b" [preauth]");
            }
            14 => {
                out.extend_from_slice(if self.rng.chance(7_000) {
                    &b"error: kex_exchange_identification: Connection closed by remote host"[..]
                } else {
                    &b"error: kex_exchange_identification: read: Connection reset by peer"[..]
                });
            }
            _ => {
                out.extend_from_slice(b"Failed password for ");
                out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
                out.extend_from_slice(b" from ");
                self.int_ip(out);
                self.port(out);
                out.extend_from_slice(b" ssh2");
            }
        }
        out.push(b'\n');
        ""
    }
}

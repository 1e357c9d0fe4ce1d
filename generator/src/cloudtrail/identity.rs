//! The `userIdentity` object: IAM users, assumed roles (workloads and SSO), root, services.

use super::{Gen, Ident, ROLES, SSO_ROLES};
use crate::needles::{Plant, Role};
use crate::out::push_json_escaped;

impl Gen<'_> {
    /// Writes `"userIdentity":{…}` and fills `self.arn`.
    pub(super) fn identity(
        &mut self,
        out: &mut Vec<u8>,
        id: Ident,
        acct: &str,
        console: bool,
        plant: Option<Plant>,
    ) {
        self.arn.clear();
        out.extend_from_slice(b"\"userIdentity\":{\"type\":\"");
        match id {
            Ident::Service(s) => {
                out.extend_from_slice(b"AWSService\",\"invokedBy\":\"");
                out.extend_from_slice(s.as_bytes());
                out.extend_from_slice(b"\"}");
                self.arn.extend_from_slice(s.as_bytes());
                return;
            }
            Ident::Root => {
                out.extend_from_slice(b"Root\",\"principalId\":\"");
                out.extend_from_slice(acct.as_bytes());
                self.arn.extend_from_slice(b"arn:aws:iam::");
                self.arn.extend_from_slice(acct.as_bytes());
                self.arn.extend_from_slice(b":root");
            }
            Ident::IamUser => {
                let (rank, mut user, mut key) = self.v.key_user(&mut self.rng);
                let mut rank = rank as u64;
                match plant {
                    Some(p) if p.role == Role::User => (user, rank) = (p.value, 90_000),
                    Some(p) if p.role == Role::AccessKey => key = p.value,
                    _ => {}
                }
                out.extend_from_slice(b"IAMUser\",\"principalId\":\"AIDA");
                self.v.push_id(out, 0xA1DA, rank, 17);
                self.arn.extend_from_slice(b"arn:aws:iam::");
                self.arn.extend_from_slice(acct.as_bytes());
                self.arn.extend_from_slice(b":user/");
                self.arn.extend_from_slice(user.as_bytes());
                out.extend_from_slice(b"\",\"arn\":\"");
                out.extend_from_slice(&self.arn);
                out.extend_from_slice(b"\",\"accountId\":\"");
                out.extend_from_slice(acct.as_bytes());
                if !console {
                    out.extend_from_slice(b"\",\"accessKeyId\":\"");
                    out.extend_from_slice(key.as_bytes());
                }
                out.extend_from_slice(b"\",\"userName\":\"");
                out.extend_from_slice(user.as_bytes());
                out.extend_from_slice(b"\"}");
                return;
            }
            Ident::Role | Ident::Sso => {
                let sso = id == Ident::Sso;
                let r = self
                    .rng
                    .index(if sso { SSO_ROLES.len() } else { ROLES.len() });
                let role = if sso { SSO_ROLES[r] } else { ROLES[r] };
                let tag = if sso { 0x550 } else { 0xA50A };
                out.extend_from_slice(b"AssumedRole\",\"principalId\":\"AROA");
                let mut role_id = Vec::with_capacity(24);
                role_id.extend_from_slice(b"AROA");
                self.v.push_id(&mut role_id, tag, r as u64, 17);
                out.extend_from_slice(&role_id[4..]);
                out.push(b':');
                let session_start = out.len();
                match plant {
                    Some(p) if p.role == Role::Email => push_json_escaped(out, p.value),
                    _ if sso => {
                        out.extend_from_slice(self.v.user(&mut self.rng).1.as_bytes());
                        out.extend_from_slice(b"@example.com");
                    }
                    _ if r == 0 => {
                        out.extend_from_slice(b"i-0");
                        self.v.push_hex_id(out, 0x1D, self.rng.below(400), 16);
                    }
                    _ => {
                        out.extend_from_slice(b"botocore-session-");
                        crate::out::push_u64(out, 1_700_000_000 + self.rng.below(9_000_000));
                    }
                }
                let session = out[session_start..].to_vec();
                self.arn.extend_from_slice(b"arn:aws:sts::");
                self.arn.extend_from_slice(acct.as_bytes());
                self.arn.extend_from_slice(b":assumed-role/");
                self.arn.extend_from_slice(role.as_bytes());
                self.arn.push(b'/');
                self.arn.extend_from_slice(&session);
                out.extend_from_slice(b"\",\"arn\":\"");
                out.extend_from_slice(&self.arn);
                out.extend_from_slice(b"\",\"accountId\":\"");
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b"\",\"accessKeyId\":\"ASIA");
                self.v.push_id(out, 0xA51A, self.rng.below(2_000), 16);
                out.extend_from_slice(b"\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"");
                out.extend_from_slice(&role_id);
                out.extend_from_slice(b"\",\"arn\":\"arn:aws:iam::");
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(if sso {
                    &b":role/aws-reserved/sso.amazonaws.com/"[..]
                } else {
                    b":role/"
                });
                out.extend_from_slice(role.as_bytes());
                out.extend_from_slice(b"\",\"accountId\":\"");
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b"\",\"userName\":\"");
                out.extend_from_slice(role.as_bytes());
                out.extend_from_slice(
                    b"\"},\"webIdFederationData\":{},\"attributes\":{\"mfaAuthenticated\":\"",
                );
                out.extend_from_slice(if sso { b"true" } else { b"false" });
                out.extend_from_slice(b"\"}}}");
                return;
            }
        }
        out.extend_from_slice(b"\",\"arn\":\"");
        out.extend_from_slice(&self.arn);
        out.extend_from_slice(b"\",\"accountId\":\"");
        out.extend_from_slice(acct.as_bytes());
        out.extend_from_slice(b"\"}");
    }
}

//! Per-event `requestParameters` / `responseElements` of the non-S3 CloudTrail events.

use super::Gen;
use super::catalog::{
    BUCKETS, Ev, FUNCTIONS, IMAGES, INSTANCE_TYPES, P, POLICIES, SECRETS, TABLES,
};
use crate::out::{push_hex, push_ipv4, push_iso, push_rand_base64, push_u64, push_uuid};

impl Gen<'_> {
    fn stable_uuid(&self, out: &mut Vec<u8>, tag: u64, i: u64) {
        let mut r = crate::rng::Rng::new(crate::rng::mix(self.v.seed ^ tag, i));
        push_uuid(out, &mut r);
    }

    fn instance_id(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"i-0");
        self.v.push_hex_id(out, 0x1D, self.rng.below(400), 16);
    }

    /// Writes `"requestParameters":…,"responseElements":…[,"additionalEventData":…]` and
    /// returns the bucket used (for `resources`), if any.
    pub(super) fn params(
        &mut self,
        out: &mut Vec<u8>,
        ev: &Ev,
        c: &super::Ctx,
        sha: Option<&str>,
    ) -> Option<&'static str> {
        let (acct, region, t, failed) = (c.account, c.region, c.t, c.failed);
        out.extend_from_slice(b",\"requestParameters\":");
        match ev.p {
            P::S3Get | P::S3Put | P::S3Head | P::S3List => {
                return self.s3_params(out, ev, c, sha);
            }
            P::ListBuckets => {
                out.extend_from_slice(b"{\"Host\":\"s3.");
                out.extend_from_slice(region.as_bytes());
                out.extend_from_slice(b".amazonaws.com\"}");
            }
            P::AssumeRole => {
                let r = self.rng.index(super::ROLES.len());
                out.extend_from_slice(b"{\"roleArn\":\"arn:aws:iam::");
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b":role/");
                out.extend_from_slice(super::ROLES[r].as_bytes());
                out.extend_from_slice(b"\",\"roleSessionName\":\"session-");
                push_u64(out, t as u64);
                out.extend_from_slice(b"\",\"durationSeconds\":3600}");
                if !failed {
                    out.extend_from_slice(
                        b",\"responseElements\":{\"credentials\":{\"accessKeyId\":\"ASIA",
                    );
                    self.v.push_id(out, 0xA51A, self.rng.below(2_000), 16);
                    out.extend_from_slice(b"\",\"sessionToken\":\"IQoJb3JpZ2luX2VjE");
                    push_rand_base64(out, &mut self.rng, 48);
                    out.extend_from_slice(b"\"},\"assumedRoleUser\":{\"assumedRoleId\":\"AROA");
                    self.v.push_id(out, 0xA50A, r as u64, 17);
                    out.extend_from_slice(b":session-");
                    push_u64(out, t as u64);
                    out.extend_from_slice(b"\"}}");
                    return None;
                }
            }
            P::DescribeInstances | P::TerminateInstances => {
                out.extend_from_slice(b"{\"instancesSet\":{\"items\":[{\"instanceId\":\"");
                self.instance_id(out);
                if ev.p == P::DescribeInstances {
                    out.extend_from_slice(b"\"}]},\"filterSet\":{}}");
                } else {
                    out.extend_from_slice(b"\"}]}}");
                    if !failed {
                        out.extend_from_slice(b",\"responseElements\":{\"requestId\":\"");
                        push_uuid(out, &mut self.rng);
                        out.extend_from_slice(b"\",\"instancesSet\":{\"items\":[{\"currentState\":{\"code\":32,\"name\":\"shutting-down\"},\"previousState\":{\"code\":16,\"name\":\"running\"}}]}}");
                        return None;
                    }
                }
            }
            P::RunInstances => {
                let image = *self.rng.pick(IMAGES);
                out.extend_from_slice(b"{\"instancesSet\":{\"items\":[{\"imageId\":\"");
                out.extend_from_slice(image.as_bytes());
                out.extend_from_slice(b"\",\"minCount\":1,\"maxCount\":");
                push_u64(out, self.rng.skewed(1, 20));
                out.extend_from_slice(b"}]},\"instanceType\":\"");
                out.extend_from_slice(self.rng.pick(INSTANCE_TYPES).as_bytes());
                out.extend_from_slice(
                    b"\",\"monitoring\":{\"enabled\":false},\"disableApiTermination\":false}",
                );
                if !failed {
                    out.extend_from_slice(b",\"responseElements\":{\"requestId\":\"");
                    push_uuid(out, &mut self.rng);
                    out.extend_from_slice(b"\",\"reservationId\":\"r-0");
                    push_hex(out, self.rng.next_u64(), 16);
                    out.extend_from_slice(b"\",\"ownerId\":\"");
                    out.extend_from_slice(acct.as_bytes());
                    out.extend_from_slice(b"\",\"instancesSet\":{\"items\":[{\"instanceId\":\"");
                    self.instance_id(out);
                    out.extend_from_slice(b"\",\"imageId\":\"");
                    out.extend_from_slice(image.as_bytes());
                    out.extend_from_slice(b"\",\"instanceState\":{\"code\":0,\"name\":\"pending\"},\"privateIpAddress\":\"");
                    push_ipv4(out, self.v.internal_ip(&mut self.rng).1);
                    out.extend_from_slice(b"\"}]}}");
                    return None;
                }
            }
            P::DescribeSg => {
                out.extend_from_slice(b"{\"securityGroupSet\":{},\"securityGroupIdSet\":{\"items\":[{\"groupId\":\"sg-0");
                self.v.push_hex_id(out, 0x56, self.rng.below(60), 16);
                out.extend_from_slice(b"\"}]},\"filterSet\":{}}");
            }
            P::AuthorizeSg => {
                out.extend_from_slice(b"{\"groupId\":\"sg-0");
                self.v.push_hex_id(out, 0x56, self.rng.below(60), 16);
                let port = [22u64, 3389, 5432, 443][self.rng.index(4)];
                out.extend_from_slice(
                    b"\",\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":",
                );
                push_u64(out, port);
                out.extend_from_slice(b",\"toPort\":");
                push_u64(out, port);
                out.extend_from_slice(b",\"groups\":{},\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]},\"ipv6Ranges\":{},\"prefixListIds\":{}}]}}");
                if !failed {
                    out.extend_from_slice(b",\"responseElements\":{\"requestId\":\"");
                    push_uuid(out, &mut self.rng);
                    out.extend_from_slice(b"\",\"_return\":true}");
                    return None;
                }
            }
            P::GetUser | P::CreateUser | P::CreateAccessKey | P::AttachUserPolicy => {
                let (rank, user) = self.v.user(&mut self.rng);
                out.extend_from_slice(b"{\"userName\":\"");
                out.extend_from_slice(user.as_bytes());
                if ev.p == P::AttachUserPolicy {
                    out.extend_from_slice(b"\",\"policyArn\":\"arn:aws:iam::aws:policy/");
                    out.extend_from_slice(self.rng.pick(POLICIES).as_bytes());
                }
                out.extend_from_slice(b"\"}");
                if !failed && ev.p == P::CreateAccessKey {
                    out.extend_from_slice(b",\"responseElements\":{\"accessKey\":{\"userName\":\"");
                    out.extend_from_slice(user.as_bytes());
                    out.extend_from_slice(b"\",\"accessKeyId\":\"");
                    out.extend_from_slice(self.v.keys[rank % self.v.keys.len()].as_bytes());
                    out.extend_from_slice(b"\",\"status\":\"Active\"}}");
                    return None;
                }
                if !failed && ev.p == P::CreateUser {
                    out.extend_from_slice(
                        b",\"responseElements\":{\"user\":{\"path\":\"/\",\"userName\":\"",
                    );
                    out.extend_from_slice(user.as_bytes());
                    out.extend_from_slice(b"\",\"userId\":\"AIDA");
                    self.v.push_id(out, 0xA1DA, rank as u64, 17);
                    out.extend_from_slice(b"\",\"arn\":\"arn:aws:iam::");
                    out.extend_from_slice(acct.as_bytes());
                    out.extend_from_slice(b":user/");
                    out.extend_from_slice(user.as_bytes());
                    out.extend_from_slice(b"\"}}");
                    return None;
                }
            }
            P::Decrypt | P::GenerateDataKey => {
                out.extend_from_slice(b"{\"keyId\":\"arn:aws:kms:");
                out.extend_from_slice(region.as_bytes());
                out.push(b':');
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b":key/");
                let k = self.rng.below(12);
                self.stable_uuid(out, 0x4B4D53, k);
                if ev.p == P::Decrypt {
                    out.extend_from_slice(b"\",\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}");
                } else {
                    out.extend_from_slice(b"\",\"keySpec\":\"AES_256\",\"encryptionContext\":{\"aws:s3:arn\":\"arn:aws:s3:::");
                    out.extend_from_slice(self.rng.pick(BUCKETS).as_bytes());
                    out.extend_from_slice(b"\"}}");
                }
            }
            P::ConsoleLogin => {
                out.extend_from_slice(if failed {
                    &b"null,\"responseElements\":{\"ConsoleLogin\":\"Failure\"}"[..]
                } else {
                    b"null,\"responseElements\":{\"ConsoleLogin\":\"Success\"}"
                });
                out.extend_from_slice(b",\"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true\",\"MobileVersion\":\"No\",\"MFAUsed\":\"");
                out.extend_from_slice(if self.rng.chance(7_000) {
                    b"Yes\"}"
                } else {
                    b"No\"}"
                });
                return None;
            }
            P::GetSecretValue => {
                out.extend_from_slice(b"{\"secretId\":\"");
                out.extend_from_slice(self.rng.pick(SECRETS).as_bytes());
                out.extend_from_slice(b"\"}");
            }
            P::CreateLogStream => {
                out.extend_from_slice(b"{\"logGroupName\":\"/aws/lambda/");
                out.extend_from_slice(self.rng.pick(FUNCTIONS).as_bytes());
                out.extend_from_slice(b"\",\"logStreamName\":\"");
                let mut d = Vec::with_capacity(20);
                push_iso(&mut d, t);
                out.extend_from_slice(&d[..4]);
                out.push(b'/');
                out.extend_from_slice(&d[5..7]);
                out.push(b'/');
                out.extend_from_slice(&d[8..10]);
                out.extend_from_slice(b"/[$LATEST]");
                push_hex(out, self.rng.next_u64(), 16);
                push_hex(out, self.rng.next_u64(), 16);
                out.extend_from_slice(b"\"}");
            }
            P::GetItem => {
                out.extend_from_slice(b"{\"tableName\":\"");
                out.extend_from_slice(self.rng.pick(TABLES).as_bytes());
                out.extend_from_slice(b"\",\"key\":{\"id\":{\"S\":\"");
                push_u64(out, self.rng.skewed(1, 999_999));
                out.extend_from_slice(b"\"}},\"consistentRead\":false}");
            }
            P::Invoke => {
                out.extend_from_slice(b"{\"functionName\":\"arn:aws:lambda:");
                out.extend_from_slice(region.as_bytes());
                out.push(b':');
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b":function:");
                out.extend_from_slice(self.rng.pick(FUNCTIONS).as_bytes());
                out.extend_from_slice(b"\",\"invocationType\":\"RequestResponse\"}");
            }
            P::StopLogging => {
                out.extend_from_slice(b"{\"name\":\"arn:aws:cloudtrail:");
                out.extend_from_slice(region.as_bytes());
                out.push(b':');
                out.extend_from_slice(acct.as_bytes());
                out.extend_from_slice(b":trail/org-trail\"}");
            }
            P::CallerIdentity | P::ListUsers | P::DescribeDb => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"responseElements\":null");
        None
    }
}

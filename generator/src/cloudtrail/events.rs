//! CloudTrail event catalogue and per-event `requestParameters` / `responseElements`.

use super::Gen;
use crate::out::{push_hex, push_ipv4, push_iso, push_rand_base64, push_u64, push_uuid};

/// The shape of an event's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum P {
    S3Get,
    S3Put,
    S3Head,
    S3List,
    ListBuckets,
    AssumeRole,
    CallerIdentity,
    DescribeInstances,
    RunInstances,
    TerminateInstances,
    DescribeSg,
    AuthorizeSg,
    ListUsers,
    GetUser,
    CreateUser,
    CreateAccessKey,
    AttachUserPolicy,
    Decrypt,
    GenerateDataKey,
    ConsoleLogin,
    GetSecretValue,
    CreateLogStream,
    GetItem,
    Invoke,
    DescribeDb,
    StopLogging,
}

/// One API call type: (eventSource, eventName, weight, readOnly, parameter shape).
pub(super) struct Ev {
    pub source: &'static str,
    pub name: &'static str,
    pub weight: u32,
    pub read_only: bool,
    pub p: P,
}

const fn ev(source: &'static str, name: &'static str, weight: u32, read_only: bool, p: P) -> Ev {
    Ev {
        source,
        name,
        weight,
        read_only,
        p,
    }
}

/// Event mix; `GetObject` dominates as in most real trails with S3 data events.
pub(super) const EVENTS: &[Ev] = &[
    ev("s3.amazonaws.com", "GetObject", 2200, true, P::S3Get),
    ev("s3.amazonaws.com", "PutObject", 700, false, P::S3Put),
    ev("s3.amazonaws.com", "HeadObject", 600, true, P::S3Head),
    ev("s3.amazonaws.com", "ListObjects", 400, true, P::S3List),
    ev("s3.amazonaws.com", "ListBuckets", 100, true, P::ListBuckets),
    ev("sts.amazonaws.com", "AssumeRole", 900, true, P::AssumeRole),
    ev(
        "sts.amazonaws.com",
        "GetCallerIdentity",
        400,
        true,
        P::CallerIdentity,
    ),
    ev("kms.amazonaws.com", "Decrypt", 800, true, P::Decrypt),
    ev(
        "kms.amazonaws.com",
        "GenerateDataKey",
        400,
        true,
        P::GenerateDataKey,
    ),
    ev(
        "ec2.amazonaws.com",
        "DescribeInstances",
        500,
        true,
        P::DescribeInstances,
    ),
    ev(
        "ec2.amazonaws.com",
        "DescribeSecurityGroups",
        200,
        true,
        P::DescribeSg,
    ),
    ev(
        "ec2.amazonaws.com",
        "RunInstances",
        40,
        false,
        P::RunInstances,
    ),
    ev(
        "ec2.amazonaws.com",
        "TerminateInstances",
        30,
        false,
        P::TerminateInstances,
    ),
    ev(
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        15,
        false,
        P::AuthorizeSg,
    ),
    ev(
        "logs.amazonaws.com",
        "CreateLogStream",
        250,
        false,
        P::CreateLogStream,
    ),
    ev(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        200,
        true,
        P::GetSecretValue,
    ),
    ev("dynamodb.amazonaws.com", "GetItem", 300, true, P::GetItem),
    ev("lambda.amazonaws.com", "Invoke", 150, false, P::Invoke),
    ev(
        "rds.amazonaws.com",
        "DescribeDBInstances",
        100,
        true,
        P::DescribeDb,
    ),
    ev(
        "signin.amazonaws.com",
        "ConsoleLogin",
        100,
        false,
        P::ConsoleLogin,
    ),
    ev("iam.amazonaws.com", "GetUser", 100, true, P::GetUser),
    ev("iam.amazonaws.com", "ListUsers", 80, true, P::ListUsers),
    ev("iam.amazonaws.com", "CreateUser", 6, false, P::CreateUser),
    ev(
        "iam.amazonaws.com",
        "CreateAccessKey",
        6,
        false,
        P::CreateAccessKey,
    ),
    ev(
        "iam.amazonaws.com",
        "AttachUserPolicy",
        5,
        false,
        P::AttachUserPolicy,
    ),
    ev(
        "cloudtrail.amazonaws.com",
        "StopLogging",
        1,
        false,
        P::StopLogging,
    ),
];

const BUCKETS: &[&str] = &[
    "corp-data-prod",
    "corp-data-prod",
    "corp-logs-archive",
    "web-assets-prod",
    "ml-training-sets",
    "corp-backups",
    "terraform-state-prod",
    "customer-uploads",
    "analytics-raw",
    "build-artifacts",
];
const SECRETS: &[&str] = &[
    "prod/db/password",
    "prod/api/stripe-key",
    "staging/db/password",
    "prod/redis/auth",
    "ci/github-token",
    "prod/oauth/client-secret",
];
const FUNCTIONS: &[&str] = &[
    "orders-processor",
    "image-resizer",
    "auth-authorizer",
    "report-builder",
    "slack-notifier",
];
const TABLES: &[&str] = &["orders", "sessions", "users", "inventory", "feature-flags"];
const IMAGES: &[&str] = &[
    "ami-0c7217cdde317cfec",
    "ami-0230bd60aa48260c6",
    "ami-06aa3f7caf3a30282",
];
const INSTANCE_TYPES: &[&str] = &[
    "t3.micro",
    "t3.large",
    "m5.xlarge",
    "c6i.2xlarge",
    "p4d.24xlarge",
];
const POLICIES: &[&str] = &[
    "AdministratorAccess",
    "ReadOnlyAccess",
    "AmazonS3FullAccess",
    "IAMFullAccess",
];

impl Gen<'_> {
    /// Writes the S3 object key for this record into `self.key`.
    fn s3_key(&mut self, t: i64, sha: Option<&str>) {
        self.key.clear();
        let k = &mut self.key;
        if let Some(h) = sha {
            k.extend_from_slice(b"artifacts/");
            k.extend_from_slice(h.as_bytes());
            k.extend_from_slice(b".tar.gz");
            return;
        }
        match self.rng.below(6) {
            0 | 1 => {
                k.extend_from_slice(b"logs/");
                let mut d = Vec::with_capacity(20);
                push_iso(&mut d, t);
                k.extend_from_slice(&d[..4]);
                k.push(b'/');
                k.extend_from_slice(&d[5..7]);
                k.push(b'/');
                k.extend_from_slice(&d[8..10]);
                k.extend_from_slice(b"/part-");
                crate::out::push_pad(k, self.rng.below(2_000), 5);
                k.extend_from_slice(b".json.gz");
            }
            2 => {
                k.extend_from_slice(b"uploads/");
                push_uuid(k, &mut self.rng);
                k.extend_from_slice(b".jpg");
            }
            3 => {
                k.extend_from_slice(b"reports/2024/q");
                push_u64(k, self.rng.range(1, 4));
                k.extend_from_slice(b"/summary.pdf");
            }
            4 => {
                k.extend_from_slice(b"artifacts/");
                self.v.push_sha256(k, self.rng.below(200), false);
                k.extend_from_slice(b".tar.gz");
            }
            _ => {
                k.extend_from_slice(b"backups/db-");
                push_u64(k, self.rng.below(400));
                k.extend_from_slice(b".sql.gz");
            }
        }
    }

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
        let mut bucket = None;
        match ev.p {
            P::S3Get | P::S3Put | P::S3Head | P::S3List => {
                let b = if sha.is_some() {
                    "build-artifacts"
                } else {
                    *self.rng.pick(BUCKETS)
                };
                bucket = Some(b);
                out.extend_from_slice(b"{\"bucketName\":\"");
                out.extend_from_slice(b.as_bytes());
                out.extend_from_slice(b"\",\"Host\":\"");
                out.extend_from_slice(b.as_bytes());
                out.extend_from_slice(b".s3.");
                out.extend_from_slice(region.as_bytes());
                out.extend_from_slice(b".amazonaws.com\"");
                if ev.p == P::S3List {
                    out.extend_from_slice(
                        b",\"list-type\":\"2\",\"prefix\":\"logs/2024/\",\"max-keys\":\"1000\"}",
                    );
                    self.key.clear();
                } else {
                    self.s3_key(t, sha);
                    out.extend_from_slice(b",\"key\":\"");
                    out.extend_from_slice(&self.key);
                    out.extend_from_slice(b"\"}");
                }
                if failed || ev.p != P::S3Put {
                    out.extend_from_slice(b",\"responseElements\":null");
                } else {
                    out.extend_from_slice(b",\"responseElements\":{\"x-amz-server-side-encryption\":\"aws:kms\",\"x-amz-version-id\":\"");
                    crate::out::push_rand_base32(out, &mut self.rng, 32);
                    out.extend_from_slice(b"\"}");
                }
                let size = self.rng.skewed(100, 50_000_000);
                let (bytes_in, bytes_out) = match ev.p {
                    P::S3Put => (size, 0),
                    P::S3Get if !failed => (0, size),
                    P::S3List if !failed => (0, self.rng.range(300, 90_000)),
                    _ => (0, 0),
                };
                out.extend_from_slice(b",\"additionalEventData\":{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":");
                push_u64(out, bytes_in);
                out.extend_from_slice(
                    b",\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"",
                );
                push_rand_base64(out, &mut self.rng, 76);
                out.extend_from_slice(b"\",\"bytesTransferredOut\":");
                push_u64(out, bytes_out);
                out.push(b'}');
                return bucket;
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
        bucket
    }
}

//! AWS CloudTrail events, one JSON object per line.

mod catalog;
mod events;
mod identity;
mod s3;

use catalog::{EVENTS, Ev, P};

use crate::engine::RecordGen;
use crate::needles::{Plant, Role};
use crate::out::{push_ipv4, push_iso, push_rand_hex, push_uuid};
use crate::rng::{Rng, weighted};
use crate::vocab::Vocab;

/// IAM roles assumed by workloads and people.
const ROLES: &[&str] = &[
    "eks-node-role",
    "lambda-orders-processor",
    "github-actions-deploy",
    "OrganizationAccountAccessRole",
    "datadog-integration",
    "ecs-task-api",
    "karpenter-controller",
    "backup-service-role",
];
const SSO_ROLES: &[&str] = &[
    "AWSReservedSSO_AdministratorAccess_5e2f1c0a9b8d7e6f",
    "AWSReservedSSO_ReadOnlyAccess_0f1e2d3c4b5a6978",
    "AWSReservedSSO_PowerUserAccess_8a7b6c5d4e3f2a1b",
];
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-northeast-1",
    "eu-central-1",
];
const CLI_AGENTS: &[&str] = &[
    "aws-cli/2.13.0 Python/3.11.4 Linux/5.10.184-175.731.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/s3.cp",
    "aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off command/sts.get-caller-identity",
    "Boto3/1.28.62 md/Botocore#1.31.62 ua/2.0 os/linux#5.15.0-1051-aws md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.62",
    "APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.49.13 (go1.21.5; linux; amd64)",
    "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.178-162.673.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372 vendor/Oracle_Corporation cfg/retry-mode/standard]",
];
const SDK_AGENTS: &[&str] = &[
    "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.47.7",
    "aws-sdk-java/2.21.40 Linux/5.10.201-191.748.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#5.10.201-191.748.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.1 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.11",
    "aws-sdk-nodejs/2.1528.0 linux/v18.19.0 exec-env/AWS_ECS_FARGATE promise",
];
const SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "cloudformation.amazonaws.com",
];

/// Who made the call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ident {
    IamUser,
    Role,
    Sso,
    Root,
    Service(&'static str),
}

/// Per-record context shared with the parameter writers.
struct Ctx<'c> {
    account: &'c str,
    region: &'static str,
    t: i64,
    failed: bool,
}

/// Record generator for one CloudTrail file.
pub(crate) struct Gen<'a> {
    v: &'a Vocab,
    rng: Rng,
    weights: Vec<u32>,
    /// Scratch: the caller's ARN (for error messages).
    arn: Vec<u8>,
    /// Scratch: the S3 object key of this record.
    key: Vec<u8>,
}

impl<'a> Gen<'a> {
    pub(crate) fn new(v: &'a Vocab, rng: Rng, _file: usize) -> Self {
        let weights = EVENTS.iter().map(|e| e.weight).collect();
        Gen {
            v,
            rng,
            weights,
            arn: Vec::with_capacity(128),
            key: Vec::with_capacity(128),
        }
    }

    fn pick_ident(&mut self, ev: &Ev) -> Ident {
        match ev.p {
            P::ConsoleLogin => {
                [Ident::IamUser, Ident::Sso, Ident::Root][weighted(&mut self.rng, &[50, 45, 5])]
            }
            P::AssumeRole | P::Decrypt if self.rng.chance(3_500) => {
                Ident::Service(SERVICES[self.rng.index(SERVICES.len())])
            }
            _ => [Ident::Role, Ident::Sso, Ident::IamUser][weighted(&mut self.rng, &[50, 12, 38])],
        }
    }

    fn source_ip(&mut self, out: &mut Vec<u8>, id: Ident, plant: Option<Plant>) {
        match (plant, id) {
            (Some(p), _) if matches!(p.role, Role::Ipv4 | Role::Ipv6) => {
                out.extend_from_slice(p.value.as_bytes())
            }
            (_, Ident::Service(s)) => out.extend_from_slice(s.as_bytes()),
            (_, Ident::Role) if self.rng.chance(7_000) => {
                push_ipv4(out, self.v.internal_ip(&mut self.rng).1)
            }
            _ if self.rng.chance(300) => {
                out.extend_from_slice(self.v.external_ip6(&mut self.rng).as_bytes())
            }
            _ => push_ipv4(out, self.v.external_ip(&mut self.rng)),
        }
    }
}

impl RecordGen for Gen<'_> {
    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str {
        let ev_idx = match plant.map(|p| p.role) {
            Some(Role::Sha256) => 0,                  // GetObject of an artifact
            Some(Role::Ipv4 | Role::Ipv6) => 6,       // GetCallerIdentity: recon
            Some(Role::User | Role::AccessKey) => 10, // DescribeSecurityGroups
            Some(_) => 4,                             // ListBuckets
            None => weighted(&mut self.rng, &self.weights),
        };
        let ev = &EVENTS[ev_idx];
        let id = match plant.map(|p| p.role) {
            Some(Role::User | Role::AccessKey | Role::Ipv4 | Role::Ipv6) => Ident::IamUser,
            Some(Role::Email) => Ident::Sso,
            Some(_) => Ident::Role,
            None => self.pick_ident(ev),
        };
        let v = self.v;
        let account = v.accounts[weighted(&mut self.rng, &[70, 12, 8, 6, 4])].as_str();
        let region = REGIONS[weighted(&mut self.rng, &[60, 15, 12, 8, 5])];
        let error = match ev.p {
            _ if plant.is_some() => None,
            P::ConsoleLogin if self.rng.chance(800) => Some("Failed authentication"),
            P::S3Get if self.rng.chance(100) => Some("NoSuchKey"),
            _ if self.rng.chance(300) => Some("AccessDenied"),
            _ if self.rng.chance(50) => Some("ThrottlingException"),
            _ => None,
        };
        let c = Ctx {
            account,
            region,
            t,
            failed: error.is_some(),
        };
        out.extend_from_slice(b"{\"eventVersion\":\"1.08\",");
        self.identity(out, id, account, ev.p == P::ConsoleLogin, plant);
        out.extend_from_slice(b",\"eventTime\":\"");
        push_iso(out, t);
        out.extend_from_slice(b"\",\"eventSource\":\"");
        out.extend_from_slice(ev.source.as_bytes());
        out.extend_from_slice(b"\",\"eventName\":\"");
        out.extend_from_slice(ev.name.as_bytes());
        out.extend_from_slice(b"\",\"awsRegion\":\"");
        out.extend_from_slice(region.as_bytes());
        out.extend_from_slice(b"\",\"sourceIPAddress\":\"");
        self.source_ip(out, id, plant);
        out.extend_from_slice(b"\",\"userAgent\":\"");
        match id {
            Ident::Service(s) => out.extend_from_slice(s.as_bytes()),
            Ident::Role => out.extend_from_slice(self.rng.pick(SDK_AGENTS).as_bytes()),
            _ if ev.p == P::ConsoleLogin => out.extend_from_slice(
                b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            ),
            _ => out.extend_from_slice(self.rng.pick(CLI_AGENTS).as_bytes()),
        }
        out.push(b'"');
        if let Some(code) = error {
            self.error(out, ev, code);
        }
        let sha = plant.filter(|p| p.role == Role::Sha256).map(|p| p.value);
        let bucket = self.params(out, ev, &c, sha);
        out.extend_from_slice(b",\"requestID\":\"");
        if ev.source.starts_with("s3.") {
            push_rand_hex(out, &mut self.rng, 16, true);
        } else {
            push_uuid(out, &mut self.rng);
        }
        out.extend_from_slice(b"\",\"eventID\":\"");
        push_uuid(out, &mut self.rng);
        out.extend_from_slice(if ev.read_only {
            b"\",\"readOnly\":true"
        } else {
            b"\",\"readOnly\":false"
        });
        if let Some(b) = bucket {
            out.extend_from_slice(b",\"resources\":[");
            if !self.key.is_empty() {
                out.extend_from_slice(b"{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::");
                out.extend_from_slice(b.as_bytes());
                out.push(b'/');
                out.extend_from_slice(&self.key);
                out.extend_from_slice(b"\"},");
            }
            out.extend_from_slice(b"{\"accountId\":\"");
            out.extend_from_slice(account.as_bytes());
            out.extend_from_slice(b"\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::");
            out.extend_from_slice(b.as_bytes());
            out.extend_from_slice(b"\"}]");
        }
        let data = matches!(
            ev.p,
            P::S3Get | P::S3Put | P::S3Head | P::S3List | P::GetItem | P::Invoke
        );
        out.extend_from_slice(if ev.p == P::ConsoleLogin {
            &b",\"eventType\":\"AwsConsoleSignIn\""[..]
        } else {
            b",\"eventType\":\"AwsApiCall\""
        });
        out.extend_from_slice(if data {
            &b",\"managementEvent\":false"[..]
        } else {
            b",\"managementEvent\":true"
        });
        out.extend_from_slice(b",\"recipientAccountId\":\"");
        out.extend_from_slice(account.as_bytes());
        out.extend_from_slice(if data {
            &b"\",\"eventCategory\":\"Data\""[..]
        } else {
            b"\",\"eventCategory\":\"Management\""
        });
        if !matches!(id, Ident::Service(_)) {
            out.extend_from_slice(b",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"");
            match bucket {
                Some(b) => {
                    out.extend_from_slice(b.as_bytes());
                    out.extend_from_slice(b".s3.");
                }
                None => {
                    out.extend_from_slice(&ev.source.as_bytes()[..ev.source.len() - 14]);
                    out.push(b'.');
                }
            }
            out.extend_from_slice(region.as_bytes());
            out.extend_from_slice(b".amazonaws.com\"}");
        }
        out.extend_from_slice(b"}\n");
        match plant.map(|p| p.role) {
            Some(Role::Ipv4 | Role::Ipv6) => "sourceIPAddress",
            Some(Role::User) => "userIdentity.userName",
            Some(Role::AccessKey) => "userIdentity.accessKeyId",
            Some(Role::Email) => "userIdentity.arn",
            Some(Role::Sha256) => "requestParameters.key",
            _ => "",
        }
    }
}

impl Gen<'_> {
    /// Writes `errorCode` / `errorMessage` for a failed call.
    fn error(&mut self, out: &mut Vec<u8>, ev: &Ev, code: &str) {
        match code {
            // Console sign-in failures carry only a message.
            "Failed authentication" => {
                out.extend_from_slice(b",\"errorMessage\":\"Failed authentication\"");
            }
            "NoSuchKey" => out.extend_from_slice(
                b",\"errorCode\":\"NoSuchKey\",\"errorMessage\":\"The specified key does not exist.\"",
            ),
            "ThrottlingException" => out.extend_from_slice(
                b",\"errorCode\":\"ThrottlingException\",\"errorMessage\":\"Rate exceeded\"",
            ),
            _ if ev.source.starts_with("s3.") => out.extend_from_slice(
                b",\"errorCode\":\"AccessDenied\",\"errorMessage\":\"Access Denied\"",
            ),
            _ => {
                out.extend_from_slice(if ev.source.starts_with("ec2.") {
                    &b",\"errorCode\":\"Client.UnauthorizedOperation\""[..]
                } else {
                    b",\"errorCode\":\"AccessDenied\""
                });
                out.extend_from_slice(b",\"errorMessage\":\"User: ");
                out.extend_from_slice(&self.arn);
                out.extend_from_slice(b" is not authorized to perform: ");
                let prefix = ev.source.split('.').next().unwrap_or(ev.source);
                out.extend_from_slice(prefix.as_bytes());
                out.push(b':');
                out.extend_from_slice(ev.name.as_bytes());
                out.extend_from_slice(b" because no identity-based policy allows the action\"");
            }
        }
    }
}

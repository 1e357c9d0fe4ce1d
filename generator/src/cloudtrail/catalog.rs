//! The CloudTrail event catalogue and value lists.

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

pub(super) const fn ev(
    source: &'static str,
    name: &'static str,
    weight: u32,
    read_only: bool,
    p: P,
) -> Ev {
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

pub(super) const BUCKETS: &[&str] = &[
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
pub(super) const SECRETS: &[&str] = &[
    "prod/db/password",
    "prod/api/stripe-key",
    "staging/db/password",
    "prod/redis/auth",
    "ci/github-token",
    "prod/oauth/client-secret",
];
pub(super) const FUNCTIONS: &[&str] = &[
    "orders-processor",
    "image-resizer",
    "auth-authorizer",
    "report-builder",
    "slack-notifier",
];
pub(super) const TABLES: &[&str] = &["orders", "sessions", "users", "inventory", "feature-flags"];
pub(super) const IMAGES: &[&str] = &[
    "ami-0c7217cdde317cfec",
    "ami-0230bd60aa48260c6",
    "ami-06aa3f7caf3a30282",
];
pub(super) const INSTANCE_TYPES: &[&str] = &[
    "t3.micro",
    "t3.large",
    "m5.xlarge",
    "c6i.2xlarge",
    "p4d.24xlarge",
];
pub(super) const POLICIES: &[&str] = &[
    "AdministratorAccess",
    "ReadOnlyAccess",
    "AmazonS3FullAccess",
    "IAMFullAccess",
];

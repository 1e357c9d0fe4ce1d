"""Offline checks of the AWS SAM template `infra/template.yaml`.

- `cfn-lint` (the venv's, next to `sys.executable`) accepts it;
- its Glue tables equal the DDL printed by `minerva athena ddl` (columns, types, partition
  key, location, every table property), so the catalog and the indexer cannot drift;
- the properties that keep a deployment safe: the search API is never open, SQS redelivery
  matches the indexer's settings, policies name exact resources, the index bucket is private.

The template is read with a small YAML loader that knows CloudFormation's short-form tags and
evaluated under given parameter values by a small intrinsic-function evaluator (`Stack`),
which also evaluates the branch of an `Fn::If` that is not taken, so a `Fn::Select` past the
end of a list fails here as it could in CloudFormation.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import helpers

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"

ACCOUNT = "123456789012"
REGION = "us-east-1"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::StackName": "minerva-test",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/minerva-test/0",
}
SOURCES = {"SourceBucketNames": "org-cloudtrail,vpc-flow.logs", "SourcePrefix": "AWSLogs/"}


# ------------------------------------------------------------------------------ YAML loader

class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags; duplicate keys are an error."""


def _construct_tag(loader: CfnLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


def _construct_mapping(loader: CfnLoader, node: yaml.MappingNode):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


CfnLoader.add_multi_constructor("!", _construct_tag)
CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)


# ------------------------------------------------------------------------------ evaluator

NOVALUE = object()


class Stack:
    """The template evaluated under parameter values: which resources exist and what their
    properties resolve to. Resource references resolve to `<Name>` / `<Name.Attr>` unless
    given in `refs`."""

    def __init__(self, template: dict, params: dict | None = None, refs: dict | None = None):
        self.template = template
        self.params = self._parameters(params or {})
        self.refs = dict(refs or {})
        self._conditions: dict[str, bool] = {}

    def _parameters(self, given: dict) -> dict:
        declared = self.template["Parameters"]
        unknown = set(given) - set(declared)
        assert not unknown, f"unknown parameters {unknown}"
        out = {}
        for name, spec in declared.items():
            if name in given:
                raw = str(given[name])
            elif "Default" in spec:
                raw = str(spec["Default"])
            else:
                raise AssertionError(f"parameter {name} has no default and no value")
            values = raw.split(",") if spec["Type"] == "CommaDelimitedList" else [raw]
            for v in values:
                if "AllowedValues" in spec:
                    assert v in [str(a) for a in spec["AllowedValues"]], f"{name}={v!r} not allowed"
                if "AllowedPattern" in spec:
                    assert re.fullmatch(spec["AllowedPattern"], v), f"{name}={v!r} fails its pattern"
                if spec["Type"] == "Number":
                    n = float(v)
                    assert n >= float(spec.get("MinValue", n)), f"{name}={v} < MinValue"
                    assert n <= float(spec.get("MaxValue", n)), f"{name}={v} > MaxValue"
            out[name] = values if spec["Type"] == "CommaDelimitedList" else raw
        return out

    # --- names
    def _generated(self, name: str) -> bool:
        """Resources SAM generates (`<Function>Role`, `<Api>Stage`…)."""
        serverless = [k for k, r in self.template["Resources"].items()
                      if r["Type"].startswith("AWS::Serverless::")]
        return any(name.startswith(k) and name != k for k in serverless)

    def exists(self, name: str) -> bool:
        resource = self.template["Resources"].get(name)
        if resource is None:
            return self._generated(name)
        return "Condition" not in resource or self.condition(resource["Condition"])

    def _ref(self, name: str, strict: bool):
        if name in PSEUDO:
            return PSEUDO[name]
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.params:
            return self.params[name]
        known = name in self.template["Resources"] or self._generated(name)
        assert known, f"Ref to unknown {name}"
        if strict:
            assert self.exists(name), f"Ref to {name}, which does not exist under {self.params}"
        return self.refs.get(name, f"<{name}>")

    def _getatt(self, name: str, attr: str, strict: bool):
        known = name in self.template["Resources"] or self._generated(name)
        assert known, f"GetAtt of unknown {name}"
        if strict:
            assert self.exists(name), f"GetAtt of {name}, which does not exist"
        return self.refs.get(f"{name}.{attr}", f"<{name}.{attr}>")

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self._conditions[name]

    # --- values
    def _sub(self, text: str, variables: dict, strict: bool) -> str:
        def one(m: re.Match) -> str:
            inner = m.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                value = variables[inner]
            elif "." in inner and not inner.startswith("AWS::"):
                value = self._getatt(*inner.split(".", 1), strict=strict)
            else:
                value = self._ref(inner, strict)
            assert isinstance(value, str), f"${{{inner}}} is not a string: {value!r}"
            return value
        return re.sub(r"\$\{([^}]*)\}", one, text)

    def resolve(self, value, strict: bool = True):
        if isinstance(value, list):
            items = [self.resolve(v, strict) for v in value]
            return [v for v in items if v is not NOVALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg, strict)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::GetAtt":
                return self._getatt(arg[0], arg[1], strict)
            if key == "Fn::If":
                cond, yes, no = arg
                taken = self.condition(cond)
                other = self.resolve(no if taken else yes, strict=False)  # must evaluate too
                del other
                return self.resolve(yes if taken else no, strict)
            if key == "Fn::Equals":
                a, b = (self.resolve(v, strict) for v in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0], strict)
            if key == "Fn::And":
                return all(self.resolve(v, strict) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v, strict) for v in arg)
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self._sub(arg, {}, strict)
                text, variables = arg
                return self._sub(text, {k: self.resolve(v, strict) for k, v in variables.items()},
                                 strict)
            if key == "Fn::Join":
                sep, items = arg
                items = self.resolve(items, strict)
                assert all(isinstance(i, str) for i in items), items
                return sep.join(items)
            if key == "Fn::Split":
                sep, text = arg
                text = self.resolve(text, strict)
                assert isinstance(text, str), text
                return text.split(sep)
            if key == "Fn::Select":
                index, items = arg
                items = self.resolve(items, strict)
                index = int(self.resolve(index, strict))
                assert 0 <= index < len(items), f"Fn::Select {index} of {items}: out of range"
                return items[index]
            assert not key.startswith("Fn::"), f"evaluator does not know {key}"
        out = {}
        for k, v in value.items():
            r = self.resolve(v, strict)
            if r is not NOVALUE:
                out[k] = r
        return out

    # --- views
    def resources(self, type_: str | None = None) -> dict[str, dict]:
        """Existing resources (of `type_`), resolved."""
        out = {}
        for name, resource in self.template["Resources"].items():
            if type_ and resource["Type"] != type_:
                continue
            if self.exists(name):
                out[name] = self.resolve(resource)
        return out

    def resource(self, name: str) -> dict:
        assert self.exists(name), f"{name} does not exist under {self.params}"
        return self.resolve(self.template["Resources"][name])

    def outputs(self) -> dict[str, str]:
        return {name: self.resolve(o["Value"]) for name, o in self.template["Outputs"].items()
                if "Condition" not in o or self.condition(o["Condition"])}

    def rule_failures(self) -> list[str]:
        failures = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            failures += [a["AssertDescription"] for a in rule["Assertions"]
                         if not self.resolve(a["Assert"])]
        return failures


def stack(refs: dict | None = None, **params) -> Stack:
    values = dict(SOURCES)
    values.update(params)
    return Stack(load_template(), values, refs)


def functions(s: Stack) -> dict[str, dict]:
    return s.resources("AWS::Serverless::Function")


def binary(function: dict) -> str:
    return function["Metadata"]["BuildProperties"]["Binary"]


def by_binary(s: Stack, name: str) -> tuple[str, dict]:
    found = [(k, f) for k, f in functions(s).items() if binary(f) == name]
    assert len(found) == 1, f"expected one function running {name}, found {[k for k, _ in found]}"
    return found[0]


def statements(function: dict) -> list[dict]:
    out = []
    for policy in function["Properties"].get("Policies", []):
        assert isinstance(policy, dict) and "Statement" in policy, \
            f"only inline policy documents, got {policy!r}"
        out += policy["Statement"]
    return out


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def event(function: dict, type_: str) -> list[dict]:
    return [e["Properties"] for e in function["Properties"].get("Events", {}).values()
            if e["Type"] == type_]


def ref_name(value: str) -> str:
    """`<Name>` -> Name (a placeholder of a resource reference)."""
    assert isinstance(value, str) and value.startswith("<") and value.endswith(">"), value
    return value[1:-1]


# ------------------------------------------------------------------------------ cfn-lint

def cfn_lint() -> Path:
    path = Path(sys.executable).parent / "cfn-lint"
    if not path.exists():
        pytest.fail(f"cfn-lint not found at {path}: pip install -r tests/python/requirements.txt")
    return path


def test_cfn_lint_accepts_the_template():
    proc = subprocess.run([str(cfn_lint()), str(TEMPLATE)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"cfn-lint failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_cfn_lint_does_reject_a_broken_copy(tmp_path):
    """The lint test can fail: an out-of-range timeout and a dangling Ref are reported."""
    text = TEMPLATE.read_text()
    assert "      Timeout: 300\n" in text and "!Ref MaxReceiveCount\n" in text
    broken = tmp_path / "template.yaml"
    broken.write_text(text.replace("      Timeout: 300\n", "      Timeout: 99999\n", 1)
                      .replace("!Ref MaxReceiveCount\n", "!Ref NoSuchParameter\n", 1))
    proc = subprocess.run([str(cfn_lint()), str(broken)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert "99999" in proc.stdout and "NoSuchParameter" in proc.stdout, proc.stdout


# ------------------------------------------------------------------------------ Glue == DDL

DDL_TABLE = re.compile(
    r"CREATE EXTERNAL TABLE IF NOT EXISTS `(?P<db>\w+)`\.`(?P<name>\w+)` \((?P<columns>.*)\)\s*"
    r"PARTITIONED BY \((?P<partitions>[^)]*)\)\s*"
    r"STORED AS (?P<format>\w+)\s*"
    r"LOCATION '(?P<location>[^'\\]*)'\s*"
    r"TBLPROPERTIES \((?P<properties>.*)\)\s*$",
    re.DOTALL,
)
PARQUET = {
    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
}


def split_top_level(text: str) -> list[str]:
    """Comma-separated items, ignoring commas inside <>, () and quotes."""
    items, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == "'" and not current.endswith("\\"):
            quoted = not quoted
        elif not quoted and ch in "<(":
            depth += 1
        elif not quoted and ch in ">)":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        items.append(current.strip())
    return items


def parse_columns(text: str) -> list[tuple[str, str]]:
    out = []
    for item in split_top_level(text):
        m = re.fullmatch(r"`(\w+)`\s+(.+)", item, re.DOTALL)
        assert m, f"unparsed column {item!r}"
        out.append((m.group(1), m.group(2).strip()))
    return out


def parse_properties(text: str) -> dict[str, str]:
    out = {}
    for item in split_top_level(text):
        m = re.fullmatch(r"'([^'\\]*)'\s*=\s*'([^'\\]*)'", item)
        assert m, f"unparsed table property {item!r}"
        assert m.group(1) not in out, f"property {m.group(1)} twice"
        out[m.group(1)] = m.group(2)
    return out


def parse_ddl(text: str) -> tuple[str, dict[str, dict]]:
    """(database, {table: {columns, partitions, format, location, properties}})."""
    statements_ = [s.strip() for s in text.split(";") if s.strip()]
    database, tables = None, {}
    for statement in statements_:
        m = re.fullmatch(r"CREATE DATABASE IF NOT EXISTS `(\w+)`", statement)
        if m:
            database = m.group(1)
            continue
        m = DDL_TABLE.fullmatch(statement)
        assert m, f"unexpected DDL statement:\n{statement}"
        assert m.group("db") == database, statement
        tables[m.group("name")] = {
            "columns": parse_columns(m.group("columns")),
            "partitions": parse_columns(m.group("partitions")),
            "format": m.group("format"),
            "location": m.group("location"),
            "properties": parse_properties(m.group("properties")),
        }
    assert database and tables, f"no database or tables in:\n{text}"
    return database, tables


@pytest.mark.parametrize("bucket,prefix,database", [
    ("example-index", "minerva", "minerva"),
    ("other-index.bucket", "security/idx", "sec_logs"),  # not the template's defaults
])
def test_glue_tables_equal_the_generated_ddl(minerva_bin, bucket, prefix, database):
    proc = helpers.run_minerva(minerva_bin, ["athena", "ddl", "--data", f"s3://{bucket}/{prefix}",
                                             "--database", database])
    assert proc.returncode == 0, proc.stderr
    ddl_database, ddl_tables = parse_ddl(proc.stdout)
    assert ddl_database == database

    s = stack(refs={"IndexBucket": bucket, "GlueDatabase": database},
              IndexPrefix=prefix, GlueDatabaseName=database)
    [db] = s.resources("AWS::Glue::Database").values()
    assert db["Properties"]["DatabaseInput"]["Name"] == database
    glue = {t["Properties"]["TableInput"]["Name"]: t["Properties"]
            for t in s.resources("AWS::Glue::Table").values()}
    assert sorted(glue) == sorted(ddl_tables), "the template's tables are not the DDL's"

    for name, ddl in ddl_tables.items():
        props = glue[name]
        table = props["TableInput"]
        storage = table["StorageDescriptor"]
        assert props["DatabaseName"] == database, name
        assert table["TableType"] == "EXTERNAL_TABLE", name
        assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == ddl["columns"], name
        assert [(c["Name"], c["Type"]) for c in table["PartitionKeys"]] == ddl["partitions"], name
        assert storage["Location"] == ddl["location"], name
        assert ddl["format"] == "PARQUET", f"{name}: the template only knows Parquet"
        assert storage["InputFormat"] == PARQUET["InputFormat"], name
        assert storage["OutputFormat"] == PARQUET["OutputFormat"], name
        assert storage["SerdeInfo"]["SerializationLibrary"] == PARQUET["SerializationLibrary"]
        parameters = table["Parameters"]
        # Every DDL property with the same value; beyond them only what Athena's own
        # CREATE EXTERNAL TABLE adds.
        assert {k: parameters.get(k) for k in ddl["properties"]} == ddl["properties"], name
        assert set(parameters) - set(ddl["properties"]) <= {"EXTERNAL", "classification"}, name
        assert parameters.get("EXTERNAL") == "TRUE" and parameters.get("classification") == "parquet"
        assert "${dt}" in parameters["storage.location.template"], name


def test_ddl_parser_sees_a_difference():
    """The comparison above cannot pass vacuously: the parser reads every column and property."""
    golden = (ROOT / "tests/golden/athena/ddl.sql").read_text()
    _, tables = parse_ddl(golden)
    assert [c for c, _ in tables["messages"]["columns"]][-1] == "raw"
    assert len(tables["indices"]["properties"]) == 9
    assert tables["indices"]["properties"]["storage.location.template"].endswith("/indices/dt=${dt}/")


# ------------------------------------------------------------------------------ functions

def lambda_binaries() -> set[str]:
    text = (ROOT / "lambda" / "Cargo.toml").read_text()
    return set(re.findall(r'^\[\[bin\]\]\s*\nname\s*=\s*"([^"]+)"', text, re.MULTILINE))


def variables_read_by_the_functions() -> set[str]:
    text = (ROOT / "lambda" / "src" / "config.rs").read_text()
    return set(re.findall(r'"((?:MINERVA|AWS_LAMBDA)_[A-Z0-9_]+)"', text))


@pytest.mark.parametrize("auth", ["token", "jwt"])
def test_functions_are_the_rust_binaries_on_arm64(auth):
    s = stack(ApiAuth=auth, JwtIssuer="https://issuer.example", JwtAudience="minerva")
    fns = functions(s)
    assert lambda_binaries() == {"minerva-indexer-lambda", "minerva-merger-lambda",
                                 "minerva-search-lambda"}
    assert sorted(binary(f) for f in fns.values()) == sorted(lambda_binaries())
    log_groups = {g["Properties"]["LogGroupName"]: g for g in s.resources("AWS::Logs::LogGroup").values()
                  if "LogGroupName" in g["Properties"]}
    for name, f in fns.items():
        p = f["Properties"]
        assert f["Metadata"]["BuildMethod"] == "rust-cargolambda", name
        assert p["Runtime"] == "provided.al2023" and p["Handler"] == "bootstrap", name
        assert p["Architectures"] == ["arm64"], name
        assert p["LoggingConfig"]["LogFormat"] == "JSON", name
        assert (TEMPLATE.parent / p["CodeUri"]).resolve() == ROOT, f"{name}: CodeUri is not the workspace"
        assert f"/aws/lambda/<{name}>" in log_groups, f"{name} has no log group with retention"
        assert int(log_groups[f"/aws/lambda/<{name}>"]["Properties"]["RetentionInDays"]) > 0


def test_environment_variables_are_ones_the_functions_read():
    known = variables_read_by_the_functions() | {"AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"}
    for auth in ("token", "jwt"):
        s = stack(ApiAuth=auth, JwtIssuer="https://issuer.example", JwtAudience="minerva",
                  IndexerConfigUri="s3://rules-bucket/minerva/rules.toml",
                  refs={"IndexBucket": "idx-bucket"})
        for name, f in functions(s).items():
            env = f["Properties"]["Environment"]["Variables"]
            assert set(env) <= known, f"{name}: {set(env) - known} are read by no function"
            assert all(isinstance(v, str) for v in env.values()), f"{name}: {env}"
            assert env["MINERVA_DATA"] == "s3://idx-bucket/minerva", name
        _, indexer = by_binary(s, "minerva-indexer-lambda")
        assert indexer["Properties"]["Environment"]["Variables"]["MINERVA_CONFIG"] == \
            "s3://rules-bucket/minerva/rules.toml"
        _, search = by_binary(s, "minerva-search-lambda")
        env = search["Properties"]["Environment"]["Variables"]
        assert env["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"] == "true"
        assert {"MINERVA_ATHENA_WORKGROUP", "MINERVA_ATHENA_DATABASE", "MINERVA_MAX_RANGE_DAYS"} <= set(env)
    _, indexer = by_binary(stack(), "minerva-indexer-lambda")
    assert "MINERVA_CONFIG" not in indexer["Properties"]["Environment"]["Variables"]


# ------------------------------------------------------------------------------ search API

@pytest.mark.parametrize("auth", ["token", "jwt"])
def test_the_search_api_is_never_open(auth):
    s = stack(ApiAuth=auth, JwtIssuer="https://issuer.example/pool", JwtAudience="app-1,app-2")
    assert s.rule_failures() == []
    apis = s.resources("AWS::Serverless::HttpApi")
    assert len(apis) == 1, f"expected one API, got {sorted(apis)}"
    (api_name, api), = apis.items()
    assert "CorsConfiguration" not in api["Properties"], "CORS must stay closed"
    assert s.resources("AWS::ApiGatewayV2::Route") == {} and s.resources("AWS::ApiGatewayV2::Api") == {}

    routed = []
    for name, f in functions(s).items():
        for e in event(f, "HttpApi"):
            assert ref_name(e["ApiId"]) == api_name, f"{name} routes to a missing API"
            assert "Auth" not in e, f"{name}: a route overrides the API's authorization"
            routed.append((name, e["Method"], e["Path"]))
    assert sorted((m, p) for _, m, p in routed) == [("ANY", "/"), ("ANY", "/{proxy+}")]
    [function_name] = {n for n, _, _ in routed}
    function = functions(s)[function_name]
    assert binary(function) == "minerva-search-lambda"
    env = function["Properties"]["Environment"]["Variables"]
    auth_config = api["Properties"].get("Auth", {})

    if auth == "token":
        assert env["MINERVA_API_AUTH"] == "token"
        secret = ref_name(env["MINERVA_API_TOKEN_SECRET"])
        generated = s.resource(secret)
        assert generated["Type"] == "AWS::SecretsManager::Secret"
        spec = generated["Properties"]["GenerateSecretString"]
        assert int(spec["PasswordLength"]) >= 32 and spec["ExcludePunctuation"] is True
        assert "SecretStringTemplate" not in spec, "the secret must be the token itself"
        readers = [st for st in statements(function)
                   if "secretsmanager:GetSecretValue" in as_list(st["Action"])]
        assert [as_list(st["Resource"]) for st in readers] == [[f"<{secret}>"]]
        assert "ApiTokenSecretArn" in s.outputs()
        assert "DefaultAuthorizer" not in auth_config
    else:
        assert env["MINERVA_API_AUTH"] == "jwt"
        assert "MINERVA_API_TOKEN_SECRET" not in env and not s.resources("AWS::SecretsManager::Secret")
        default = auth_config["DefaultAuthorizer"]
        jwt = auth_config["Authorizers"][default]
        assert jwt["IdentitySource"] == "$request.header.Authorization"
        assert jwt["JwtConfiguration"] == {"issuer": "https://issuer.example/pool",
                                           "audience": ["app-1", "app-2"]}
    # No output reveals a token.
    for value in s.outputs().values():
        assert "SecretString" not in value or value.startswith("aws secretsmanager get-secret-value")
    assert s.outputs()["ApiUrl"].startswith(f"https://<{api_name}>.execute-api.")
    assert s.outputs()["UiUrl"] == s.outputs()["ApiUrl"]


def test_jwt_auth_without_issuer_or_audience_is_refused():
    assert stack(ApiAuth="jwt").rule_failures() == ["ApiAuth=jwt needs JwtIssuer",
                                                   "ApiAuth=jwt needs JwtAudience"]
    assert stack(ApiAuth="jwt", JwtIssuer="https://i.example").rule_failures() == \
        ["ApiAuth=jwt needs JwtAudience"]
    assert stack(ApiAuth="token").rule_failures() == []


# ------------------------------------------------------------------------------ queue

def indexer_queue(s: Stack) -> tuple[str, dict, dict]:
    """(queue name, queue, the indexer's SQS event) — the queue the indexer actually reads."""
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    [sqs] = event(indexer, "SQS")
    arn = sqs["Queue"]
    assert arn.endswith(".Arn>"), arn
    name = arn[1:-len(".Arn>")]
    return name, s.resource(name), sqs


def test_queue_visibility_timeout_covers_six_indexer_timeouts():
    s = stack()
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    _, queue, _ = indexer_queue(s)
    timeout = int(indexer["Properties"]["Timeout"])
    assert int(queue["Properties"]["VisibilityTimeout"]) >= 6 * timeout
    assert 60 < timeout <= 900


@pytest.mark.parametrize("count", [None, "3", "12"])
def test_max_receive_count_equals_the_redrive_policy(count):
    s = stack(**({"MaxReceiveCount": count} if count else {}))
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    _, queue, _ = indexer_queue(s)
    redrive = queue["Properties"]["RedrivePolicy"]
    env = indexer["Properties"]["Environment"]["Variables"]
    assert env["MINERVA_MAX_RECEIVE_COUNT"] == str(redrive["maxReceiveCount"])
    assert env["MINERVA_MAX_RECEIVE_COUNT"] == (count or "5")
    dlq = s.resource(redrive["deadLetterTargetArn"][1:-len(".Arn>")])
    assert int(dlq["Properties"]["MessageRetentionPeriod"]) == 14 * 86400
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True


def test_the_indexer_reports_partial_batch_failures():
    s = stack(IndexerMaxConcurrency="7", IndexerReservedConcurrency="9")
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    _, _, sqs = indexer_queue(s)
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= int(sqs["BatchSize"]) <= 10
    assert sqs["ScalingConfig"]["MaximumConcurrency"] == "7"
    assert indexer["Properties"]["ReservedConcurrentExecutions"] == "9"
    assert sqs["Enabled"] is True
    _, _, paused = indexer_queue(stack(IndexerEnabled="false"))
    assert paused["Enabled"] is False


def test_the_merger_runs_hourly_one_at_a_time():
    s = stack(MergeSchedule="cron(17 * * * ? *)")
    _, merger = by_binary(s, "minerva-merger-lambda")
    p = merger["Properties"]
    [schedule] = event(merger, "ScheduleV2")
    assert schedule["ScheduleExpression"] == "cron(17 * * * ? *)"
    assert json.loads(schedule["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
    assert p["ReservedConcurrentExecutions"] == 1
    assert int(p["Timeout"]) == 900
    assert p["Environment"]["Variables"]["MINERVA_MERGE_LOOKBACK_HOURS"] == "168"


def test_source_events_reach_the_queue_only_from_the_source_buckets():
    s = stack(SourceBucketNames="org-cloudtrail,vpc-flow.logs,waf")
    topic_policy = [p for p in s.resources("AWS::SNS::TopicPolicy").values()]
    assert len(topic_policy) == 1
    [statement] = topic_policy[0]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    patterns = as_list(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    allowed = lambda arn: any(fnmatch.fnmatchcase(arn, p) for p in patterns)  # noqa: E731
    for bucket in ("org-cloudtrail", "vpc-flow.logs", "waf"):
        assert allowed(f"arn:aws:s3:::{bucket}")
    for other in ("org-cloudtrail-2", "waf.evil", "vpc-flow", "someone-else"):
        assert not allowed(f"arn:aws:s3:::{other}"), other
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    other_account = stack(SourceBucketAccountId="210987654321").resources("AWS::SNS::TopicPolicy")
    [st] = list(other_account.values())[0]["Properties"]["PolicyDocument"]["Statement"]
    assert st["Condition"]["StringEquals"]["aws:SourceAccount"] == "210987654321"

    queue_name, _, _ = indexer_queue(s)
    [subscription] = [x for x in s.resources("AWS::SNS::Subscription").values()
                      if x["Properties"]["Protocol"] == "sqs"]
    assert subscription["Properties"]["Endpoint"] == f"<{queue_name}.Arn>"
    assert subscription["Properties"]["RawMessageDelivery"] is False
    topic = ref_name(subscription["Properties"]["TopicArn"])
    [queue_policy] = s.resources("AWS::SQS::QueuePolicy").values()
    [only] = queue_policy["Properties"]["PolicyDocument"]["Statement"]
    assert only["Principal"] == {"Service": "sns.amazonaws.com"}
    assert only["Condition"]["ArnEquals"]["aws:SourceArn"] == f"<{topic}>"
    assert ref_name(s.outputs()["SourceEventsTopicArn"]) == topic

    with_rule = stack(EnableEventBridgeSource="true", SourceBucketNames="org-cloudtrail,waf")
    [rule] = with_rule.resources("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"] == {"bucket": {"name": ["org-cloudtrail", "waf"]},
                                 "object": {"key": [{"prefix": "AWSLogs/"}]}}
    [qp] = with_rule.resources("AWS::SQS::QueuePolicy").values()
    assert len(qp["Properties"]["PolicyDocument"]["Statement"]) == 2
    assert not stack().resources("AWS::Events::Rule")


@pytest.mark.parametrize("prefix", ["AWSLogs/", ""])
def test_the_notification_output_targets_the_topic(prefix):
    s = stack(SourcePrefix=prefix)
    outputs = s.outputs()
    config = json.loads(outputs["SourceNotificationConfiguration"])
    [topic_config] = config["TopicConfigurations"]
    assert topic_config["TopicArn"] == outputs["SourceEventsTopicArn"]
    assert topic_config["Events"] == ["s3:ObjectCreated:*"]
    if prefix:
        assert topic_config["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
    else:
        assert "Filter" not in topic_config
    command = outputs["SourceNotificationCommand"]
    assert command.startswith("aws s3api put-bucket-notification-configuration --bucket ")
    assert json.loads(command.split(" --notification-configuration ", 1)[1].strip("'")) == config


# ------------------------------------------------------------------------------ IAM

S3_WRITES = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl")


def index_arns(bucket: str, prefix: str) -> dict[str, str]:
    return {
        "bucket": f"arn:aws:s3:::{bucket}",
        "index": f"arn:aws:s3:::{bucket}/{prefix}/*",
        "results": f"arn:aws:s3:::{bucket}/athena-results/*",
    }


def grants(function: dict, action: str) -> set[str]:
    out = set()
    for st in statements(function):
        assert st["Effect"] == "Allow"
        if action in as_list(st["Action"]):
            out |= set(as_list(st["Resource"]))
    return out


@pytest.mark.parametrize("auth", ["token", "jwt"])
def test_policies_name_exact_resources(auth):
    bucket = "idx-bucket"
    s = stack(ApiAuth=auth, JwtIssuer="https://i.example", JwtAudience="a",
              refs={"IndexBucket": bucket, "AthenaWorkGroup": "wg", "GlueDatabase": "minerva"})
    arns = index_arns(bucket, "minerva")
    for name, f in functions(s).items():
        for st in statements(f):
            for action in as_list(st["Action"]):
                assert "*" not in action, f"{name}: wildcard action {action}"
            for resource in as_list(st["Resource"]):
                assert resource != "*" and not resource.startswith("arn:aws:s3:::*"), \
                    f"{name}: {st.get('Sid')} grants {st['Action']} on {resource}"
                assert not re.match(r"arn:aws:(athena|glue|secretsmanager|kms):\*", resource), resource
            if "s3:ListBucket" in as_list(st["Action"]):
                assert as_list(st["Resource"]) == [arns["bucket"]]
                allowed_prefixes = as_list(st["Condition"]["StringLike"]["s3:prefix"])
                assert set(allowed_prefixes) <= {"minerva/*", "athena-results/*"}, allowed_prefixes
        for action in S3_WRITES:
            assert grants(f, action) <= {arns["index"], arns["results"]}, f"{name} writes {action}"

    _, indexer = by_binary(s, "minerva-indexer-lambda")
    _, merger = by_binary(s, "minerva-merger-lambda")
    _, search = by_binary(s, "minerva-search-lambda")
    sources = {"arn:aws:s3:::org-cloudtrail/AWSLogs/*", "arn:aws:s3:::vpc-flow.logs/AWSLogs/*"}
    assert grants(indexer, "s3:GetObject") == sources | {arns["index"]}
    assert grants(indexer, "s3:PutObject") == grants(indexer, "s3:DeleteObject") == {arns["index"]}
    assert grants(merger, "s3:GetObject") == grants(merger, "s3:DeleteObject") == {arns["index"]}
    assert grants(merger, "s3:PutObject") == {arns["index"]}
    # The search function reads the index and writes only query results.
    assert grants(search, "s3:GetObject") == {arns["index"], arns["results"]}
    assert grants(search, "s3:PutObject") == {arns["results"]}
    assert grants(search, "s3:DeleteObject") == set()
    workgroup = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/wg"
    for action in ("athena:StartQueryExecution", "athena:GetQueryExecution",
                   "athena:GetQueryResults", "athena:StopQueryExecution"):
        assert grants(search, action) == {workgroup}, action
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    assert grants(search, "glue:GetTable") == {f"{glue}:catalog", f"{glue}:database/minerva",
                                               f"{glue}:table/minerva/indices",
                                               f"{glue}:table/minerva/messages"}
    for f in (indexer, merger):
        assert not [a for st in statements(f) for a in as_list(st["Action"])
                    if a.startswith(("athena:", "glue:", "secretsmanager:"))]
    # No glue or athena write action anywhere.
    for f in functions(s).values():
        for st in statements(f):
            for action in as_list(st["Action"]):
                assert not re.match(r"glue:(Create|Update|Delete|Batch(Create|Delete|Update))", action)


@pytest.mark.parametrize("count", [1, 4, 10])
def test_the_indexer_reads_every_source_bucket_under_the_prefix_only(count):
    buckets = [f"logs-{i:02d}" for i in range(count)]
    s = stack(SourceBucketNames=",".join(buckets), SourcePrefix="org/AWSLogs/",
              refs={"IndexBucket": "idx"})
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    expected = {f"arn:aws:s3:::{b}/org/AWSLogs/*" for b in buckets}
    assert grants(indexer, "s3:GetObject") == expected | {"arn:aws:s3:::idx/minerva/*"}


def test_the_indexer_may_read_its_rules_and_decrypt_sources_only_when_asked():
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    s = stack(IndexerConfigUri="s3://rules-bucket/minerva/rules.toml", SourceKmsKeyArn=key,
              refs={"IndexBucket": "idx"})
    _, indexer = by_binary(s, "minerva-indexer-lambda")
    assert "arn:aws:s3:::rules-bucket/minerva/rules.toml" in grants(indexer, "s3:GetObject")
    assert grants(indexer, "kms:Decrypt") == {key}
    _, plain = by_binary(stack(refs={"IndexBucket": "idx"}), "minerva-indexer-lambda")
    assert grants(plain, "kms:Decrypt") == set()
    assert not [r for r in grants(plain, "s3:GetObject") if "rules" in r]


# ------------------------------------------------------------------------------ storage

@pytest.mark.parametrize("retention", ["0", "90"])
def test_the_index_bucket_is_private_encrypted_and_expires_what_it_should(retention):
    s = stack(RetentionDays=retention, AthenaResultsRetentionDays="3",
              refs={"IndexBucket": "idx", "IndexBucket.Arn": "arn:aws:s3:::idx"})
    [bucket] = s.resources("AWS::S3::Bucket").values()
    p = bucket["Properties"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    [sse] = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert p["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert p.get("VersioningConfiguration", {}).get("Status") != "Enabled"
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"

    rules = {r["Id"]: r for r in p["LifecycleConfiguration"]["Rules"]}
    results = [r for r in rules.values() if r.get("Prefix") == "athena-results/"]
    assert [r["ExpirationInDays"] for r in results] == ["3"]
    index = [r for r in rules.values() if r.get("Prefix") == "minerva/"]
    assert [r["ExpirationInDays"] for r in index] == ([] if retention == "0" else [retention])
    assert any(r.get("AbortIncompleteMultipartUpload") for r in rules.values())
    assert all(r["Status"] == "Enabled" for r in rules.values())

    [policy] = s.resources("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == "idx"  # Ref IndexBucket
    [deny] = [st for st in policy["Properties"]["PolicyDocument"]["Statement"] if st["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "s3:*" and deny["Principal"] == "*"
    assert set(deny["Resource"]) == {"arn:aws:s3:::idx", "arn:aws:s3:::idx/*"}


def test_the_athena_workgroup_enforces_its_limits_and_results_location():
    s = stack(BytesScannedCutoffBytes="20000000000", refs={"IndexBucket": "idx"})
    [(name, workgroup)] = s.resources("AWS::Athena::WorkGroup").items()
    config = workgroup["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["PublishCloudWatchMetricsEnabled"] is True
    assert config["BytesScannedCutoffPerQuery"] == "20000000000"
    assert config["EngineVersion"]["SelectedEngineVersion"] == "AUTO"
    output = config["ResultConfiguration"]["OutputLocation"]
    assert output == "s3://idx/athena-results/"
    assert config["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    # The prefix the bucket expires is the one the workgroup writes to.
    [bucket] = s.resources("AWS::S3::Bucket").values()
    prefixes = [r.get("Prefix") for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]
                if "ExpirationInDays" in r]
    assert output.removeprefix("s3://idx/") in prefixes
    assert int(load_template()["Parameters"]["BytesScannedCutoffBytes"]["MinValue"]) >= 10_000_000
    _, search = by_binary(s, "minerva-search-lambda")
    assert search["Properties"]["Environment"]["Variables"]["MINERVA_ATHENA_WORKGROUP"] == f"<{name}>"


def test_alarms_watch_the_dead_letter_queue_errors_and_lag():
    s = stack(AlarmEmail="soc@example.com")
    queue_name, queue, _ = indexer_queue(s)
    dlq_name = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"][1:-len(".Arn>")]
    indexer_name, _ = by_binary(s, "minerva-indexer-lambda")
    alarms = list(s.resources("AWS::CloudWatch::Alarm").values())
    topics = {ref_name(a) for alarm in alarms for a in alarm["Properties"]["AlarmActions"]}
    assert len(topics) == 1
    watched = {(a["Properties"]["MetricName"], a["Properties"]["Dimensions"][0]["Value"]):
               a["Properties"] for a in alarms}
    dlq = watched[("ApproximateNumberOfMessagesVisible", f"<{dlq_name}.QueueName>")]
    assert dlq["Threshold"] == 0 and dlq["ComparisonOperator"] == "GreaterThanThreshold"
    errors = watched[("Errors", f"<{indexer_name}>")]
    assert errors["Threshold"] == 0 and errors["ComparisonOperator"] == "GreaterThanThreshold"
    age = watched[("ApproximateAgeOfOldestMessage", f"<{queue_name}.QueueName>")]
    assert age["Threshold"] == "900"
    [email] = [x for x in s.resources("AWS::SNS::Subscription").values()
               if x["Properties"]["Protocol"] == "email"]
    assert email["Properties"]["Endpoint"] == "soc@example.com"
    assert ref_name(email["Properties"]["TopicArn"]) in topics
    assert not [x for x in stack().resources("AWS::SNS::Subscription").values()
                if x["Properties"]["Protocol"] == "email"]


def test_the_loader_refuses_duplicate_keys():
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key"):
        yaml.load("a: 1\na: 2\n", Loader=CfnLoader)
    assert yaml.load("x: !GetAtt A.Arn\ny: !Sub '${!dt}'\n", Loader=CfnLoader) == \
        {"x": {"Fn::GetAtt": ["A", "Arn"]}, "y": {"Fn::Sub": "${!dt}"}}

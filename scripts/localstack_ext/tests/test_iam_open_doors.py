"""The places where the evaluator used to let through what AWS denies (issue 22), against LocalStack.

Each test fails on the evaluator before: negated operators on an absent key, operators it ignored in a
Deny, BatchGetSecretValue per secret, trust policies (sts:AssumeRole and Lambda's assumption of a
function's role), role paths, permissions boundaries.
"""

import json
import uuid

import pytest
import requests
from botocore.exceptions import ClientError
from conftest import ACCOUNT, client
from test_iam_enforcement import as_keys, pattern, secret, user_with_policy

ALLOW_SECRETS = {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
ACCOUNT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    ],
}


def denied(call) -> dict:
    with pytest.raises(ClientError) as error:
        call()
    return error.value.response["Error"]


def name() -> str:
    return f"iam-test-{uuid.uuid4().hex[:10]}"


def deny_if(condition: dict) -> dict:
    return {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": condition}


def test_string_not_equals_source_vpce_deny_applies_outside_the_endpoint(endpoint):
    # The data-perimeter Deny: a request that does not come through the endpoint has no
    # aws:SourceVpce, and a negated operator on an absent key is true.
    target = secret(endpoint)
    _, key = user_with_policy(
        endpoint, [ALLOW_SECRETS, deny_if({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})]
    )
    secrets = as_keys(endpoint, "secretsmanager", key)
    assert secrets.describe_secret(SecretId=target["ARN"])["ARN"] == target["ARN"]
    error = denied(lambda: secrets.get_secret_value(SecretId=target["ARN"]))
    assert error["Code"] == "AccessDeniedException"
    assert "secretsmanager:GetSecretValue" in error["Message"]
    assert error["Message"].endswith("with an explicit deny in an identity-based policy")


@pytest.mark.parametrize(
    "condition, applies",
    [
        ({"ArnNotEquals": {"aws:SourceArn": "arn:aws:lambda:us-east-1:000000000000:function:x"}}, True),
        ({"Null": {"aws:SourceVpc": "true"}}, True),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
        ({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, True),
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, False),
        ({"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}, False),
    ],
)
def test_deny_with_operators_the_evaluator_ignored(endpoint, condition, applies):
    target = secret(endpoint)
    _, key = user_with_policy(endpoint, [ALLOW_SECRETS, deny_if(condition)])
    secrets = as_keys(endpoint, "secretsmanager", key)
    if applies:
        assert "explicit deny" in denied(lambda: secrets.get_secret_value(SecretId=target["ARN"]))["Message"]
    else:
        assert secrets.get_secret_value(SecretId=target["ARN"])["SecretString"] == "value"


def test_batch_get_secret_value_returns_only_the_secrets_the_caller_may_read(endpoint):
    readable, hidden = secret(endpoint), secret(endpoint)
    _, key = user_with_policy(
        endpoint,
        [
            {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": pattern(readable["ARN"])},
        ],
    )
    answer = as_keys(endpoint, "secretsmanager", key).batch_get_secret_value(
        SecretIdList=[readable["ARN"], hidden["ARN"]]
    )
    assert [s["ARN"] for s in answer["SecretValues"]] == [readable["ARN"]]
    assert [e["ErrorCode"] for e in answer["Errors"]] == ["AccessDeniedException"]
    assert hidden["ARN"] in answer["Errors"][0]["Message"]


def test_batch_get_secret_value_with_filters_needs_list_secrets(endpoint):
    readable = secret(endpoint)
    _, key = user_with_policy(
        endpoint,
        [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"],
                "Resource": "*",
            },
        ],
    )
    error = denied(
        lambda: as_keys(endpoint, "secretsmanager", key).batch_get_secret_value(
            Filters=[{"Key": "name", "Values": [readable["Name"]]}]
        )
    )
    assert "secretsmanager:ListSecrets" in error["Message"]


def test_lambda_cannot_use_a_role_that_trusts_only_ec2(endpoint, bootstrap_zip, role_arn):
    iam = client("iam", endpoint)
    role = iam.create_role(RoleName=name(), AssumeRolePolicyDocument=json.dumps(EC2_TRUST))["Role"]
    lam = client("lambda", endpoint)
    function = name()
    create = dict(
        FunctionName=function,
        Runtime="provided.al2023",
        Handler="bootstrap",
        Code={"ZipFile": bootstrap_zip},
        Architectures=["x86_64"],
    )
    error = denied(lambda: lam.create_function(Role=role["Arn"], **create))
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
    )
    # A function made with a good role cannot be switched to it either.
    lam.create_function(Role=role_arn, **create)
    try:
        error = denied(lambda: lam.update_function_configuration(FunctionName=function, Role=role["Arn"]))
        assert error["Code"] == "InvalidParameterValueException"
        assert lam.get_function_configuration(FunctionName=function)["Role"] == role_arn
    finally:
        lam.delete_function(FunctionName=function)


def test_assume_role_needs_the_trust_policy_and_is_evaluated_on_the_role_arn_with_its_path(endpoint):
    iam = client("iam", endpoint)
    trusting = iam.create_role(RoleName=name(), Path="/team/", AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST))[
        "Role"
    ]
    lambda_only = iam.create_role(RoleName=name(), Path="/team/", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))[
        "Role"
    ]
    elsewhere = iam.create_role(RoleName=name(), AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST))["Role"]
    assert trusting["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/team/{trusting['RoleName']}"
    _, key = user_with_policy(
        endpoint,
        [
            {
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "iam:GetRole"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/team/*",
            },
        ],
    )
    sts = as_keys(endpoint, "sts", key)
    assert sts.assume_role(RoleArn=trusting["Arn"], RoleSessionName="session")["AssumedRoleUser"]["Arn"].endswith(
        f"assumed-role/{trusting['RoleName']}/session"
    )
    error = denied(lambda: sts.assume_role(RoleArn=lambda_only["Arn"], RoleSessionName="session"))
    assert error["Code"] == "AccessDenied" and lambda_only["Arn"] in error["Message"]
    assert (
        "sts:AssumeRole"
        in denied(lambda: sts.assume_role(RoleArn=elsewhere["Arn"], RoleSessionName="session"))["Message"]
    )
    # IAM calls on a role are authorized on its ARN with the path.
    iam_as_user = as_keys(endpoint, "iam", key)
    assert iam_as_user.get_role(RoleName=trusting["RoleName"])["Role"]["Arn"] == trusting["Arn"]
    assert (
        f"role/{elsewhere['RoleName']}"
        in denied(lambda: iam_as_user.get_role(RoleName=elsewhere["RoleName"]))["Message"]
    )


def test_a_trust_policy_naming_the_user_needs_no_identity_policy(endpoint):
    iam = client("iam", endpoint)
    user_arn, key = user_with_policy(endpoint, [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}])
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=name(), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    assert as_keys(endpoint, "sts", key).assume_role(RoleArn=role["Arn"], RoleSessionName="session")["Credentials"]


def test_a_permissions_boundary_limits_the_role(endpoint):
    iam = client("iam", endpoint)
    target = secret(endpoint)
    boundary = iam.create_policy(
        PolicyName=name(),
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    role = iam.create_role(
        RoleName=name(), AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST), PermissionsBoundary=boundary
    )["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="all",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_SECRETS]}),
    )
    credentials = client("sts", endpoint).assume_role(RoleArn=role["Arn"], RoleSessionName="session")["Credentials"]
    secrets = as_keys(endpoint, "secretsmanager", credentials)
    assert secrets.describe_secret(SecretId=target["ARN"])["ARN"] == target["ARN"]
    error = denied(lambda: secrets.get_secret_value(SecretId=target["ARN"]))
    assert error["Message"].endswith("because no permissions boundary allows the secretsmanager:GetSecretValue action")


def test_a_function_whose_role_no_longer_trusts_lambda_cannot_run(endpoint, functions, bootstrap_zip):
    # Lambda assumes the role for each new execution environment: once the trust policy names only
    # EC2, the function cannot start (on AWS the invocation fails the same way).
    iam = client("iam", endpoint)
    role = iam.create_role(RoleName=name(), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="logs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
                ],
            }
        ),
    )
    functions.role_arn = role["Arn"]
    function = functions.create(bootstrap_zip)
    assert functions.wait_settled(function)["State"] == "Active"
    iam.update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps(EC2_TRUST))
    requests.delete(f"{endpoint}/_secretsbundle/iam", timeout=5)
    try:
        answer = functions.lambda_.invoke(FunctionName=function, Payload=b"{}")
        failed = "FunctionError" in answer or answer["StatusCode"] >= 400
    except ClientError:
        failed = True
    assert failed, "the function ran with a role that does not trust lambda.amazonaws.com"
    decisions = requests.get(f"{endpoint}/_secretsbundle/iam", timeout=5).json()["decisions"]
    assert any(
        d["principal"] == "lambda.amazonaws.com" and d["resource"] == role["Arn"] and d["decision"] != "allow"
        for d in decisions
    ), decisions


def test_a_trust_policy_requiring_an_external_id(endpoint):
    iam = client("iam", endpoint)
    user_arn, key = user_with_policy(endpoint, [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": user_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "the-agreed-id"}},
            }
        ],
    }
    role = iam.create_role(RoleName=name(), AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    sts = as_keys(endpoint, "sts", key)
    assert (
        "sts:AssumeRole" in denied(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="session"))["Message"]
    )
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="session", ExternalId="the-agreed-id")["Credentials"]

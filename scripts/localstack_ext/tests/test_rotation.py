"""RotateSecret as AWS runs it (secretsbundle_localstack/rotation.py): asynchronous rotation, and
RotateImmediately=false testing the configuration with the function's testSecret step only."""

import json
import re
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import Functions, client, log_messages


def create_secret(endpoint: str, value: str) -> dict:
    return client("secretsmanager", endpoint).create_secret(Name=f"rotation-test-{uuid.uuid4().hex[:10]}", SecretString=value)


def rotation_lines(endpoint: str, function: str) -> list[str]:
    return [m.strip() for m in log_messages(endpoint, function) if "testfunc: rotation step" in m]


def wait_lines(endpoint: str, function: str, count: int, timeout: float = 15) -> list[str]:
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        lines = rotation_lines(endpoint, function)
        if len(lines) >= count:
            break
        time.sleep(0.2)
    return lines


def test_rotate_immediately_false_runs_only_test_secret_on_the_current_value(endpoint, active_function, functions):
    secrets = client("secretsmanager", endpoint)
    secret = create_secret(endpoint, json.dumps({"username": "app", "password": "works"}))
    function_arn = functions.lambda_.get_function(FunctionName=active_function)["Configuration"]["FunctionArn"]

    response = secrets.rotate_secret(
        SecretId=secret["ARN"], RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False
    )

    assert response["ARN"] == secret["ARN"]
    lines = wait_lines(endpoint, active_function, 1)
    assert len(lines) == 1 and re.fullmatch(r"testfunc: rotation step testSecret token [0-9a-f-]{36}", lines[0]), lines
    assert any("testfunc: testSecret passed" in m for m in log_messages(endpoint, active_function))
    described = secrets.describe_secret(SecretId=secret["ARN"])
    assert described["RotationEnabled"] is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 7
    # The test version is gone: the one version stays current, nothing pending, nothing rotated.
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}
    assert "LastRotatedDate" not in described
    assert secrets.get_secret_value(SecretId=secret["ARN"])["SecretString"] == json.dumps({"username": "app", "password": "works"})


def test_rotate_immediately_false_fails_when_test_secret_fails(endpoint, active_function, functions):
    secrets = client("secretsmanager", endpoint)
    secret = create_secret(endpoint, "fail-test")
    function_arn = functions.lambda_.get_function(FunctionName=active_function)["Configuration"]["FunctionArn"]

    with pytest.raises(ClientError) as error:
        secrets.rotate_secret(
            SecretId=secret["ARN"], RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False
        )

    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "testSecret" in error.value.response["Error"]["Message"]
    assert "the pending value asks to fail" in error.value.response["Error"]["Message"]
    described = secrets.describe_secret(SecretId=secret["ARN"])
    # The schedule was not changed and the test version removed.
    assert not described.get("RotationEnabled")
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}


def test_rotate_secret_answers_at_once_and_rotates_in_the_background(endpoint, active_function, functions):
    secrets = client("secretsmanager", endpoint)
    secret = create_secret(endpoint, "slow-rotation")
    function_arn = functions.lambda_.get_function(FunctionName=active_function)["Configuration"]["FunctionArn"]
    token = str(uuid.uuid4())

    started = time.monotonic()
    response = secrets.rotate_secret(
        SecretId=secret["ARN"], ClientRequestToken=token, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 7}
    )
    answered = time.monotonic() - started

    assert response["VersionId"] == token
    # createSecret sleeps 2 s: an answer before that is one that did not wait for the rotation.
    assert answered < 1.5, f"RotateSecret took {answered:.1f}s: it waited for the rotation"
    stages = secrets.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
    assert "AWSCURRENT" not in stages.get(token, []), stages
    # A second RotateSecret while the first runs is refused, as on AWS.
    with pytest.raises(ClientError) as error:
        secrets.rotate_secret(SecretId=secret["ARN"], ClientRequestToken=str(uuid.uuid4()))
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"

    lines = wait_lines(endpoint, active_function, 4)
    assert lines == [f"testfunc: rotation step {step} token {token}" for step in ["createSecret", "setSecret", "testSecret", "finishSecret"]]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stages = secrets.describe_secret(SecretId=secret["ARN"])["VersionIdsToStages"]
        if "AWSCURRENT" in stages.get(token, []):
            break
        time.sleep(0.2)
    assert "AWSCURRENT" in stages[token], stages
    assert secrets.get_secret_value(SecretId=secret["ARN"])["SecretString"] == f"rotated-{token}"


def test_rotate_immediately_false_runs_test_secret_with_the_functions_role(endpoint, functions, bootstrap_zip):
    """IAM enforcement covers the configuration test: the function calls Secrets Manager with its
    role's credentials, so a role that may write logs but not read the secret fails testSecret."""
    iam = client("iam", endpoint)
    name = f"secretsbundle-rotation-test-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )
    iam.put_role_policy(
        RoleName=name,
        PolicyName="logs-only",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}',
    )
    try:
        logs_only = Functions(endpoint, role["Role"]["Arn"])
        function = logs_only.create(bootstrap_zip, timeout=10)
        try:
            assert logs_only.wait_settled(function)["State"] == "Active"
            function_arn = logs_only.lambda_.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
            secrets = client("secretsmanager", endpoint)
            secret = create_secret(endpoint, json.dumps({"username": "app", "password": "works"}))

            with pytest.raises(ClientError) as error:
                secrets.rotate_secret(
                    SecretId=secret["ARN"], RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False
                )

            message = error.value.response["Error"]["Message"]
            assert "testSecret" in message, message
            assert f"assumed-role/{name}/" in message and "secretsmanager:GetSecretValue" in message, message
            assert not secrets.describe_secret(SecretId=secret["ARN"]).get("RotationEnabled")
        finally:
            logs_only.delete_all()
    finally:
        iam.delete_role_policy(RoleName=name, PolicyName="logs-only")
        iam.delete_role(RoleName=name)

"""IAM enforcement (iam_enforcement.py): denied calls answer as AWS does; the admin key is not evaluated."""

import json
import uuid

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import ACCOUNT, REGION, client


def as_keys(endpoint: str, service: str, key: dict):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
        config=Config(retries={"max_attempts": 1}),
    )


def user_with_policy(endpoint: str, statements: list) -> tuple[str, dict]:
    iam = client("iam", endpoint)
    name = f"iam-test-{uuid.uuid4().hex[:10]}"
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(
        UserName=name,
        PolicyName="test",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn, iam.create_access_key(UserName=name)["AccessKey"]


def secret(endpoint: str, **kwargs) -> dict:
    return client("secretsmanager", endpoint).create_secret(
        Name=f"iam-test-{uuid.uuid4().hex[:10]}", SecretString="value", **kwargs
    )


def pattern(arn: str) -> str:
    # The six random characters Secrets Manager appends, as the bundle's policy names them.
    return arn[:-6] + "??????"


def test_enforcement_is_on(endpoint):
    assert requests.get(f"{endpoint}/_secretsbundle/iam", timeout=5).json()["enabled"] is True


def test_denied_call_answers_as_aws(endpoint):
    allowed, other = secret(endpoint), secret(endpoint)
    user_arn, key = user_with_policy(
        endpoint,
        [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": pattern(allowed["ARN"])}],
    )
    secrets = as_keys(endpoint, "secretsmanager", key)

    assert secrets.get_secret_value(SecretId=allowed["ARN"])["SecretString"] == "value"
    with pytest.raises(ClientError) as error:
        secrets.get_secret_value(SecretId=other["Name"])

    response = error.value.response
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == (
        f"User: {user_arn} is not authorized to perform: secretsmanager:GetSecretValue on resource: "
        f"{other['ARN']} because no identity-based policy allows the secretsmanager:GetSecretValue action"
    )
    # Another action on the allowed secret is denied too; IAM answers in its own shape.
    with pytest.raises(ClientError) as error:
        secrets.describe_secret(SecretId=allowed["ARN"])
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as error:
        as_keys(endpoint, "iam", key).list_users()
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_explicit_deny_wins(endpoint):
    target = secret(endpoint)
    user_arn, key = user_with_policy(
        endpoint,
        [
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": target["ARN"]},
        ],
    )
    secrets = as_keys(endpoint, "secretsmanager", key)
    assert secrets.describe_secret(SecretId=target["ARN"])["ARN"] == target["ARN"]
    with pytest.raises(ClientError) as error:
        secrets.get_secret_value(SecretId=target["ARN"])
    assert "with an explicit deny in an identity-based policy" in error.value.response["Error"]["Message"]


def test_admin_key_is_not_evaluated(endpoint):
    target = secret(endpoint)
    assert client("secretsmanager", endpoint).get_secret_value(SecretId=target["ARN"])["SecretString"] == "value"
    assert client("iam", endpoint).list_users()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_assumed_role_is_enforced(endpoint):
    iam = client("iam", endpoint)
    target, other = secret(endpoint), secret(endpoint)
    role = iam.create_role(
        RoleName=f"iam-test-{uuid.uuid4().hex[:10]}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
            }
        ),
    )["Role"]
    iam.put_role_policy(
        RoleName=role["RoleName"],
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": pattern(target["ARN"])}
                ],
            }
        ),
    )
    credentials = client("sts", endpoint).assume_role(RoleArn=role["Arn"], RoleSessionName="session")["Credentials"]
    secrets = as_keys(endpoint, "secretsmanager", credentials)
    assert secrets.get_secret_value(SecretId=target["ARN"])["SecretString"] == "value"
    with pytest.raises(ClientError) as error:
        secrets.get_secret_value(SecretId=other["ARN"])
    assert error.value.response["Error"]["Message"].startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/session is not authorized"
    )
    # Who am I needs no permission, as on AWS.
    assert as_keys(endpoint, "sts", credentials).get_caller_identity()["Arn"].endswith(f"/{role['RoleName']}/session")


def test_customer_managed_key_needs_kms_via_secrets_manager(endpoint):
    key_arn = client("kms", endpoint).create_key()["KeyMetadata"]["Arn"]
    target = secret(endpoint, KmsKeyId=key_arn)
    read = {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            "Resource": pattern(target["ARN"])}
    _, without_kms = user_with_policy(endpoint, [read])
    with pytest.raises(ClientError) as error:
        as_keys(endpoint, "secretsmanager", without_kms).get_secret_value(SecretId=target["ARN"])
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"kms:Decrypt on resource: {key_arn}" in error.value.response["Error"]["Message"]

    # Scoped to this secret through the encryption context, as the bundle's role policy is.
    use_key = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key_arn,
        "Condition": {"StringLike": {"kms:EncryptionContext:SecretARN": pattern(target["ARN"])}},
    }
    _, with_kms = user_with_policy(endpoint, [read, use_key])
    secrets = as_keys(endpoint, "secretsmanager", with_kms)
    assert secrets.get_secret_value(SecretId=target["ARN"])["SecretString"] == "value"
    secrets.put_secret_value(SecretId=target["ARN"], SecretString="new")

    # The same key grant scoped to another secret does not apply.
    other_scope = dict(use_key, Condition={"StringLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:*:*:secret:other-??????"}})
    _, wrong_scope = user_with_policy(endpoint, [read, other_scope])
    with pytest.raises(ClientError) as error:
        as_keys(endpoint, "secretsmanager", wrong_scope).put_secret_value(SecretId=target["ARN"], SecretString="x")
    assert f"kms:GenerateDataKey on resource: {key_arn}" in error.value.response["Error"]["Message"]


def test_lambda_checks_a_vpc_functions_role(endpoint, bootstrap_zip):
    iam = client("iam", endpoint)
    role = iam.create_role(
        RoleName=f"iam-test-{uuid.uuid4().hex[:10]}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]
    with pytest.raises(ClientError) as error:
        client("lambda", endpoint).create_function(
            FunctionName=f"iam-test-{uuid.uuid4().hex[:10]}",
            Runtime="provided.al2023",
            Handler="bootstrap",
            Role=role["Arn"],
            Code={"ZipFile": bootstrap_zip},
            VpcConfig={"SubnetIds": ["subnet-12345678"], "SecurityGroupIds": ["sg-12345678"]},
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert error.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"
    )


def test_authorize_endpoint_for_calls_the_proxy_answers(endpoint):
    user_arn, key = user_with_policy(endpoint, [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}])
    _, other = user_with_policy(endpoint, [{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}])

    def ask(access_key: str) -> dict:
        authorization = f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/{REGION}/cloudtrail/aws4_request, SignedHeaders=host, Signature=x"
        return requests.post(
            f"{endpoint}/_secretsbundle/iam/authorize",
            json={"authorization": authorization, "action": "cloudtrail:LookupEvents", "resource": "*"},
            timeout=5,
        ).json()

    assert ask(key["AccessKeyId"]) == {"allowed": True}
    assert ask("test") == {"allowed": True}
    denied = ask(other["AccessKeyId"])
    assert denied["allowed"] is False
    assert denied["code"] == "AccessDeniedException"
    assert "is not authorized to perform: cloudtrail:LookupEvents on resource: *" in denied["message"]

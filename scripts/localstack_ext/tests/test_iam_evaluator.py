"""The evaluator (iam_policy.py) where moto's falls short, offline (no LocalStack needed)."""

import json
import re

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult
from secretsbundle_localstack.iam_policy import Request, decide


def evaluate(policies, action, resource, context):
    decision = decide(Request(action, resource, context), policies)
    return decision.answer, decision.statement

SECRET = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/orders/db-AbCdEf"
PATTERN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/orders/db-??????"


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_question_mark_is_one_character():
    # moto alone turns the pattern into a regular expression in which "??????" is not valid.
    with pytest.raises(re.error):
        IAMPolicy(policy(allow("secretsmanager:GetSecretValue", PATTERN))).is_action_permitted(
            "secretsmanager:GetSecretValue", SECRET
        )
    document = [policy(allow("secretsmanager:GetSecretValue", PATTERN))]
    assert evaluate(document, "secretsmanager:GetSecretValue", SECRET, {})[0] == "allow"
    assert evaluate(document, "secretsmanager:GetSecretValue", SECRET + "x", {})[0] == "implicit"
    assert evaluate(document, "secretsmanager:GetSecretValue", SECRET.replace("db-", "db-x-"), {})[0] == "implicit"
    # Dots are literal, actions case-insensitive, * spans slashes.
    assert evaluate([policy(allow("SecretsManager:get*", "arn:aws:secretsmanager:*:*:secret:prod/*"))],
                    "secretsmanager:GetSecretValue", SECRET, {})[0] == "allow"
    assert evaluate([policy(allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:0:log-group:a.b:*"))],
                    "logs:PutLogEvents", "arn:aws:logs:us-east-1:0:log-group:aXb:*", {})[0] == "implicit"


def test_condition_that_does_not_hold_makes_the_statement_not_apply():
    scoped = allow("kms:Decrypt", "*", Condition={"StringLike": {"kms:EncryptionContext:SecretARN": PATTERN}})
    other = allow("kms:Decrypt", "*")
    # moto answers an explicit deny for an Allow whose condition does not hold.
    assert IAMPolicy(policy({**scoped, "Condition": {"StringEquals": {"kms:ViaService": "x"}}})).is_action_permitted(
        "kms:Decrypt", "*", incoming_condition_values={"kms:ViaService": "y"}
    ) == PermissionResult.DENIED
    context = {"kms:EncryptionContext:SecretARN": ["arn:aws:secretsmanager:us-east-1:0:secret:other-AbCdEf"]}
    assert evaluate([policy(scoped)], "kms:Decrypt", "key", context)[0] == "implicit"
    assert evaluate([policy(scoped, other)], "kms:Decrypt", "key", context) == ("allow", "1")
    assert evaluate([policy(scoped)], "kms:Decrypt", "key", {"kms:EncryptionContext:SecretARN": [SECRET]})[0] == "allow"
    # A key absent from the request: the condition does not hold, unless ...IfExists.
    assert evaluate([policy(scoped)], "kms:Decrypt", "key", {})[0] == "implicit"
    if_exists = allow("kms:Decrypt", "*", Condition={"StringLikeIfExists": {"kms:EncryptionContext:SecretARN": PATTERN}})
    assert evaluate([policy(if_exists)], "kms:Decrypt", "key", {})[0] == "allow"


def test_operators_moto_ignores_are_evaluated_and_unknown_ones_deny():
    numeric = allow("secretsmanager:GetSecretValue", "*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})
    assert evaluate([policy(numeric)], "secretsmanager:GetSecretValue", SECRET, {"aws:MultiFactorAuthAge": ["1"]})[0] == "allow"
    assert evaluate([policy(numeric)], "secretsmanager:GetSecretValue", SECRET, {"aws:MultiFactorAuthAge": ["301"]})[0] == "implicit"
    unknown = allow("secretsmanager:GetSecretValue", "*", Condition={"NumericAlmost": {"aws:MultiFactorAuthAge": "300"}})
    assert evaluate([policy(unknown)], "secretsmanager:GetSecretValue", SECRET, {"aws:MultiFactorAuthAge": ["1"]})[0] == "unsupported"


def test_explicit_deny_wins_and_not_resource():
    document = [
        policy(allow("secretsmanager:*", "*")),
        policy({"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "NotResource": PATTERN}),
    ]
    assert evaluate(document, "secretsmanager:GetSecretValue", SECRET, {})[0] == "allow"
    assert evaluate(document, "secretsmanager:GetSecretValue", SECRET.replace("orders", "billing"), {})[0] == "explicit"
    assert evaluate(document, "secretsmanager:DescribeSecret", SECRET.replace("orders", "billing"), {})[0] == "allow"

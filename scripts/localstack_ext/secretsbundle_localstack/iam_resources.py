"""What a call touches: the authorizations AWS makes for one request (action on resource, with the
condition keys the service adds), per service and operation.

Reads LocalStack's and moto's stores for the ARNs a request names only by name; evaluates nothing.
"""

from __future__ import annotations

from typing import Optional

from secretsbundle_localstack.iam_principals import role_arn

# --- what a call touches -----------------------------------------------------------------------


class Check:
    """One authorization AWS makes for a call: action on resource, with condition context."""

    def __init__(self, action: str, resource: str, context: Optional[dict[str, list[str]]] = None):
        self.action = action
        self.resource = resource
        self.context = context or {}


def _secret(account: str, region: str, secret_id: Optional[str]):
    from moto.secretsmanager.models import secretsmanager_backends

    if not secret_id:
        return None
    backend = secretsmanager_backends[account][region]
    try:
        if backend._is_valid_identifier(secret_id):
            return backend.secrets[secret_id]
    except Exception:  # noqa: BLE001 - an unknown id is the service's to answer
        return None
    return None


def _secret_arn(account: str, region: str, secret_id: Optional[str]) -> str:
    secret = _secret(account, region, secret_id)
    if secret is not None:
        return secret.arn
    if secret_id and secret_id.startswith("arn:"):
        return secret_id
    # A secret that does not exist: AWS names the ARN the name would have (suffix unknown).
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id or '*'}"


def _customer_key_arn(account: str, region: str, key_id: Optional[str]) -> Optional[str]:
    """The ARN of a customer-managed KMS key, or None for the AWS managed key / no key."""
    from moto.kms.models import kms_backends

    if not key_id or key_id in ("alias/aws/secretsmanager",) or key_id.endswith(":alias/aws/secretsmanager"):
        return None
    backend = kms_backends[account][region]
    try:
        raw = backend.any_id_to_key_id(key_id)
        key = backend.keys[raw]
    except Exception:  # noqa: BLE001
        return key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}"
    if getattr(key, "key_manager", "CUSTOMER") == "AWS":
        return None
    return key.arn


def _kms_key_arn(account: str, region: str, key_id: Optional[str]) -> str:
    from moto.kms.models import kms_backends

    if not key_id:
        return "*"
    if key_id.startswith("alias/") or ":alias/" in key_id:
        try:
            raw = kms_backends[account][region].any_id_to_key_id(key_id)
            return kms_backends[account][region].keys[raw].arn
        except Exception:  # noqa: BLE001
            name = key_id.split(":alias/")[-1].removeprefix("alias/")
            return f"arn:aws:kms:{region}:{account}:alias/{name}"
    if key_id.startswith("arn:"):
        return key_id
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


_SECRET_READS = {"GetSecretValue"}
_SECRET_WRITES = {"PutSecretValue", "CreateSecret", "UpdateSecret"}


def _secretsmanager(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "secretsmanager:" + op
    if op == "CreateSecret":
        arn = f"arn:aws:secretsmanager:{region}:{account}:secret:{req.get('Name')}-AbCdEf"
        checks = [Check(action, arn)]
        if req.get("Tags"):
            checks.append(Check("secretsmanager:TagResource", arn))
        key = _customer_key_arn(account, region, req.get("KmsKeyId"))
        if key and (req.get("SecretString") is not None or req.get("SecretBinary") is not None):
            checks.append(_via_secretsmanager("kms:GenerateDataKey", key, region, account, arn))
        return checks
    if op in ("GetRandomPassword", "ListSecrets"):
        return [Check(action, "*")]
    if op == "BatchGetSecretValue":
        # Each secret returned also needs GetSecretValue (and kms:Decrypt): secret_read_checks, per
        # secret, once the service has found them; Filters need ListSecrets.
        checks = [Check(action, "*")]
        if req.get("Filters"):
            checks.append(Check("secretsmanager:ListSecrets", "*"))
        return checks
    arn = _secret_arn(account, region, req.get("SecretId"))
    secret = _secret(account, region, req.get("SecretId"))
    checks = [Check(action, arn, _resource_tags(secret, "secretsmanager"))]
    if op == "RotateSecret":
        # Secrets Manager also needs the caller to be allowed to invoke the rotation function.
        function = req.get("RotationLambdaARN") or getattr(secret, "rotation_lambda_arn", None)
        if function:
            checks.append(Check("lambda:InvokeFunction", _lambda_arn(region, account, function)))
    key_id = (
        req.get("KmsKeyId") if op == "UpdateSecret" and req.get("KmsKeyId") else getattr(secret, "kms_key_id", None)
    )
    key = _customer_key_arn(account, region, key_id)
    if key and op in _SECRET_READS:
        checks.append(_via_secretsmanager("kms:Decrypt", key, region, account, arn))
    if key and op in _SECRET_WRITES and (req.get("SecretString") is not None or req.get("SecretBinary") is not None):
        checks.append(_via_secretsmanager("kms:GenerateDataKey", key, region, account, arn))
    return checks


def _resource_tags(secret, service: str) -> dict[str, list[str]]:
    """aws:ResourceTag/<key> and <service>:ResourceTag/<key> of an existing secret."""
    context: dict[str, list[str]] = {}
    for tag in getattr(secret, "tags", None) or []:
        if isinstance(tag, dict) and "Key" in tag:
            context[f"aws:ResourceTag/{tag['Key']}"] = [str(tag.get("Value", ""))]
            context[f"{service}:ResourceTag/{tag['Key']}"] = [str(tag.get("Value", ""))]
    return context


def secret_read_checks(account: str, region: str, secret_id: str) -> list[Check]:
    """What reading one secret's value needs: GetSecretValue on it and, under a customer managed
    key, kms:Decrypt via Secrets Manager (BatchGetSecretValue, per secret it returns)."""
    return _secretsmanager("GetSecretValue", {"SecretId": secret_id}, account, region)


def _via_secretsmanager(action: str, key_arn: str, region: str, account: str, secret_arn: str) -> Check:
    return Check(
        action,
        key_arn,
        {
            "kms:ViaService": [f"secretsmanager.{region}.amazonaws.com"],
            "kms:CallerAccount": [account],
            "kms:EncryptionContext:SecretARN": [secret_arn],
            "aws:ViaAWSService": ["true"],
            "aws:CalledVia": ["secretsmanager.amazonaws.com"],
        },
    )


def _lambda_arn(region: str, account: str, name: Optional[str]) -> str:
    if not name:
        return "*"
    if name.startswith("arn:"):
        parts = name.split(":")
        return ":".join(parts[:7])
    if ":" in name:  # partial ARN account:function:name or name:qualifier
        name = name.split(":function:")[-1].split(":")[0]
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def _lambda(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "lambda:" + op
    if op in ("ListFunctions", "ListLayers", "GetAccountSettings", "ListEventSourceMappings"):
        return [Check(action, "*")]
    name = req.get("FunctionName") or req.get("Resource")
    checks = [Check(action, _lambda_arn(region, account, name))]
    role = req.get("Role")
    if op in ("CreateFunction", "UpdateFunctionConfiguration") and role:
        checks.append(Check("iam:PassRole", role, {"iam:PassedToService": ["lambda.amazonaws.com"]}))
    if op in ("CreateFunction", "UpdateFunctionConfiguration"):
        checks.extend(_vpc_caller_checks(req))
    return checks


def _iam(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "iam:" + op
    if req.get("RoleName"):
        # With the role's path, as AWS authorizes it (a policy on role/team/* matches role/team/x).
        if op == "CreateRole":
            path = req.get("Path") or "/"
            return [Check(action, f"arn:aws:iam::{account}:role{path}{req['RoleName']}")]
        return [Check(action, role_arn(account, req["RoleName"]))]
    for param, kind in (("UserName", "user"), ("GroupName", "group"), ("InstanceProfileName", "instance-profile")):
        if req.get(param):
            return [Check(action, f"arn:aws:iam::{account}:{kind}/{req[param]}")]
    if req.get("PolicyArn"):
        return [Check(action, req["PolicyArn"])]
    return [Check(action, "*")]


def _sts(op: str, req: dict, account: str, region: str) -> list[Check]:
    if op == "AssumeRole":
        # The keys a trust policy may test (sts:ExternalId for a third party, the session name).
        context = {"sts:RoleSessionName": [req["RoleSessionName"]]} if req.get("RoleSessionName") else {}
        if req.get("ExternalId"):
            context["sts:ExternalId"] = [req["ExternalId"]]
        return [Check("sts:AssumeRole", req.get("RoleArn") or "*", context)]
    return [Check("sts:" + op, "*")]


def _logs(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "logs:" + op
    group = req.get("logGroupName")
    if not group and req.get("logGroupIdentifier"):
        group = req["logGroupIdentifier"].split(":log-group:")[-1].removesuffix(":*")
    if not group and req.get("resourceArn"):
        return [Check(action, req["resourceArn"])]
    if not group:
        return [Check(action, "*")]
    stream = req.get("logStreamName")
    if stream:
        return [Check(action, f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}")]
    return [Check(action, f"arn:aws:logs:{region}:{account}:log-group:{group}:*")]


def _events(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "events:" + op
    if req.get("ResourceARN"):
        return [Check(action, req["ResourceARN"])]
    rule = req.get("Rule") if op in ("PutTargets", "RemoveTargets", "ListTargetsByRule") else req.get("Name")
    if rule and op not in ("PutEvents", "ListRules", "CreateEventBus", "DescribeEventBus", "DeleteEventBus"):
        return [Check(action, f"arn:aws:events:{region}:{account}:rule/{rule}")]
    return [Check(action, "*")]


def _sns(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "sns:" + op
    if op == "CreateTopic":
        return [Check(action, f"arn:aws:sns:{region}:{account}:{req.get('Name')}")]
    arn = req.get("TopicArn") or req.get("ResourceArn")
    if not arn and req.get("SubscriptionArn"):
        arn = req["SubscriptionArn"].rsplit(":", 1)[0]
    return [Check(action, arn or "*")]


def _kms(op: str, req: dict, account: str, region: str) -> list[Check]:
    action = "kms:" + op
    if op in ("CreateKey", "ListKeys", "ListAliases", "GenerateRandom"):
        return [Check(action, "*")]
    if op in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
        alias = req.get("AliasName", "").removeprefix("alias/")
        checks = [Check(action, f"arn:aws:kms:{region}:{account}:alias/{alias}")]
        if req.get("TargetKeyId"):
            checks.append(Check(action, _kms_key_arn(account, region, req["TargetKeyId"])))
        return checks
    return [Check(action, _kms_key_arn(account, region, req.get("KeyId")))]


_MAPPERS = {
    "secretsmanager": _secretsmanager,
    "lambda": _lambda,
    "iam": _iam,
    "logs": _logs,
    "events": _events,
    "sns": _sns,
    "kms": _kms,
    "sts": _sts,
}


def checks_for(service: str, operation: str, request: dict, account: str, region: str) -> list[Check]:
    mapper = _MAPPERS.get(service)
    if mapper is None:
        return [Check(f"{service}:{operation}", "*")]
    return mapper(operation, request or {}, account, region)


# What Lambda checks with the caller's own permissions when a function gets a VPC configuration.
LAMBDA_VPC_CALLER_ACTIONS = ("ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs")


def _vpc_caller_checks(req: dict) -> list[Check]:
    if not (req.get("VpcConfig") or {}).get("SubnetIds"):
        return []
    return [Check(action, "*") for action in LAMBDA_VPC_CALLER_ACTIONS]

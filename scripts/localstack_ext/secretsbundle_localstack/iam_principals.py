"""Who calls: the IAM user or role session behind an access key, with its policies, its permissions
boundary, the condition keys AWS puts in the request context about it, and the roles' trust policies.

Reads moto's IAM and STS backends (LocalStack keeps IAM there); evaluates nothing.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Optional

from secretsbundle_localstack.iam_policy import Principal

PARTITION = "aws"


@dataclass
class Caller:
    """An evaluated principal: ``arn`` is what AWS's messages name (the user, or the assumed-role
    session), ``identity`` its identity-based policies, ``boundary`` its permissions boundary
    (None without one), ``context`` the request-context keys about it."""

    arn: str
    kind: str  # "user" or "role"
    identity: list
    boundary: Optional[list]
    principal: Principal
    context: dict[str, list[str]] = field(default_factory=dict)


def _iam(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account][PARTITION]


def _document(policy: Any) -> str:
    """The JSON of a policy as moto keeps it: a document string, or a managed policy's default version."""
    from moto.iam.access_control import IAMPolicy

    return json.dumps(IAMPolicy(policy)._policy_json)


def _managed(account: str, arn: Optional[str]) -> Optional[list]:
    """A permissions boundary: the managed policy's document; an unknown policy allows nothing."""
    if not arn:
        return None
    backend = _iam(account)
    policy = backend.managed_policies.get(arn)
    if policy is None:
        try:
            policy = backend.get_policy(arn)
        except Exception:  # noqa: BLE001 - moto's NoSuchEntity
            return []
    return [_document(policy)]


def _tags(entity: Any) -> dict[str, list[str]]:
    tags = getattr(entity, "tags", None) or {}
    items = tags.values() if isinstance(tags, dict) else tags
    return {f"aws:PrincipalTag/{t['Key']}": [t["Value"]] for t in items if isinstance(t, dict) and "Key" in t}


def role_by_arn(account: str, role_arn: str):
    """The role an ARN names, path included; None when there is none."""
    backend = _iam(account)
    for role in backend.roles.values():
        if role.arn == role_arn:
            return role
    return None


def role_by_name(account: str, name: str):
    try:
        return _iam(account).get_role(name)
    except Exception:  # noqa: BLE001 - moto's NoSuchEntity
        return None


def role_arn(account: str, name: str) -> str:
    """A role's ARN with its path, as AWS names it; for a role that does not exist, with path /."""
    role = role_by_name(account, name)
    return role.arn if role is not None else f"arn:aws:iam::{account}:role/{name}"


def role_policies(account: str, arn: str) -> tuple[list, Optional[list]]:
    """A role's identity-based policies and permissions boundary; a role that does not exist (any
    more) allows nothing."""
    role = role_by_arn(account, arn) or role_by_name(account, arn.rsplit("/", 1)[-1])
    if role is None:
        return [], None
    policies = [_document(p) for p in role.policies.values()]
    policies += [_document(p) for p in role.managed_policies.values()]
    return policies, _managed(account, role.permissions_boundary_arn)


def trust_policy(account: str, arn: str) -> Optional[list]:
    """A role's trust policy; None when the role does not exist."""
    role = role_by_arn(account, arn)
    if role is None:
        return None
    document = role.assume_role_policy_document
    if isinstance(document, str) and document.lstrip().startswith("%7B"):
        document = urllib.parse.unquote(document)
    return [document if isinstance(document, str) else json.dumps(document)]


def caller_for(access_key_id: str, account: str) -> Optional[Caller]:
    """The IAM user or role session an access key belongs to; None for the account's admin key."""
    from moto.iam.access_control import IAMUserAccessKey
    from moto.sts.models import sts_backends

    if not access_key_id or access_key_id == "test":
        return None
    for assumed in sts_backends[account][PARTITION].assumed_roles:
        if assumed.access_key_id != access_key_id:
            continue
        role = role_by_arn(account, assumed.role_arn)
        name = assumed.role_arn.rsplit("/", 1)[-1]
        session = f"arn:aws:sts::{account}:assumed-role/{name}/{assumed.session_name}"
        identity, boundary = role_policies(account, assumed.role_arn)
        context = {
            "aws:PrincipalArn": [assumed.role_arn],
            "aws:PrincipalType": ["AssumedRole"],
            "aws:userid": [f"{getattr(role, 'id', name)}:{assumed.session_name}"],
            "aws:MultiFactorAuthPresent": ["false"],
            **_tags(role),
        }
        return Caller(
            session, "role", identity, boundary, Principal(aws=[session, assumed.role_arn], account=account), context
        )
    backend = _iam(account)
    for user in backend.users.values():
        if not any(key.access_key_id == access_key_id for key in user.access_keys):
            continue
        key = IAMUserAccessKey(account, PARTITION, access_key_id, {})
        identity = [_document(p) for p in key.collect_policies()]
        context = {
            "aws:PrincipalArn": [user.arn],
            "aws:PrincipalType": ["User"],
            "aws:username": [user.name],
            "aws:userid": [user.id],
            **_tags(user),
        }
        boundary = _managed(account, getattr(user, "permissions_boundary", None) or None)
        return Caller(user.arn, "user", identity, boundary, Principal(aws=[user.arn], account=account), context)
    return None

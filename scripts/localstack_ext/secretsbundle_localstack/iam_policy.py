"""AWS's policy evaluation logic, for one request against the policies that apply to it.

Pure Python, no LocalStack or moto: ``decide`` takes the policy documents (identity-based, the
permissions boundary, a role's trust policy) and a ``Request`` (action, resource, principal,
condition context) and answers as AWS's policy evaluation logic does within one account:

- an explicit Deny in any of the policies wins;
- an identity-based request needs an Allow in an identity-based policy and, when the principal has
  a permissions boundary, in the boundary too (the effective permissions are the intersection);
- ``sts:AssumeRole`` also needs the role's trust policy to allow the principal; a trust policy that
  names the caller's own ARN (not just its account) allows it without an identity-based policy, as
  a same-account resource-based policy does;
- a statement applies when its Action/NotAction, Resource/NotResource, Principal/NotPrincipal and
  every condition match; within a Condition, operators and keys are ANDed, a key's values ORed
  (NORed for a negated operator);
- every condition operator AWS documents is evaluated: String*, Numeric*, Date*, Bool,
  BinaryEquals, IpAddress/NotIpAddress, Arn*, their ``IfExists`` forms, ``Null``, and the set
  qualifiers ``ForAnyValue:``/``ForAllValues:``. A key absent from the request makes a condition
  false, a negated one (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``, …) true, an
  ``…IfExists`` one true; ``ForAllValues:`` is true and ``ForAnyValue:`` false on an absent key;
- policy variables (``${aws:username}``, ``${*}``, ``${?}``, ``${$}``, defaults) in Resource and in
  string conditions, for policies of version 2012-10-17;
- an operator that is not one of those, in a statement whose Action, Resource and Principal match
  the request, makes the whole request denied (``UnsupportedOperator``), whatever the statement's
  effect: the test ground fails closed in both directions.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

# What decide answers.
ALLOW = "allow"
EXPLICIT = "explicit"  # an explicit Deny in one of the policies
IMPLICIT = "implicit"  # no policy of a required kind allows
UNSUPPORTED = "unsupported"  # a policy uses an operator this evaluator does not know

IDENTITY = "identity-based policy"
BOUNDARY = "permissions boundary"
TRUST = "resource-based policy"


class UnsupportedOperator(Exception):
    def __init__(self, operator: str):
        super().__init__(operator)
        self.operator = operator


@dataclass
class Principal:
    """Who makes the request, as a Principal element in a trust policy names it.

    ``aws`` holds every ARN that names this principal (a user's ARN; a role session's ARN and its
    role's ARN), ``account`` its account; ``service`` is set instead for a service principal.
    """

    aws: list[str] = field(default_factory=list)
    account: str = ""
    service: str = ""


@dataclass
class Request:
    action: str
    resource: str
    context: dict[str, list[str]] = field(default_factory=dict)
    principal: Optional[Principal] = None


@dataclass
class Decision:
    answer: str
    policy_kind: str = IDENTITY  # the kind of policy that decided (the denial message names it)
    statement: str = ""  # the Sid (or index) of the deciding statement
    operator: str = ""  # for UNSUPPORTED: the operator

    @property
    def allowed(self) -> bool:
        return self.answer == ALLOW


# --- matching ---------------------------------------------------------------------------------


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcards: * any run of characters (slashes and colons included), ? one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def substitute(value: str, context: "Context") -> Optional[str]:
    """The value with its policy variables replaced; None when one has no value and no default."""
    missing = False

    def one(match: re.Match) -> str:
        nonlocal missing
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return inner
        key, _, default = inner.partition(",")
        values = context.get(key.strip())
        if values:
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        missing = True
        return ""

    result = _VARIABLE.sub(one, value)
    return None if missing else result


class Context:
    """The request context: keys case-insensitive, each with its list of values."""

    def __init__(self, values: dict[str, list[str]]):
        self._values = {k.lower(): [str(v) for v in as_list(vs)] for k, vs in values.items()}

    def get(self, key: str) -> Optional[list[str]]:
        values = self._values.get(key.lower())
        return values if values else None


# --- condition operators ----------------------------------------------------------------------


def _number(value: str) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: str) -> Optional[float]:
    """A date as AWS accepts it in conditions: ISO 8601 or epoch seconds; as epoch seconds."""
    number = _number(value)
    if number is not None:
        return number
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def _compare(parse: Callable[[str], Optional[float]], test: Callable[[float, float], bool]):
    def match(actual: str, expected: str) -> bool:
        a, e = parse(actual), parse(expected)
        return a is not None and e is not None and test(a, e)

    return match


def _arn_like(actual: str, expected: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-separated parts matched on its own, with wildcards."""
    a, e = actual.split(":", 5), expected.split(":", 5)
    if len(a) != 6 or len(e) != 6:
        return expected == "*" or glob(expected, actual)
    return all(glob(ep, ap) for ap, ep in zip(a, e, strict=True))


def _ip(actual: str, expected: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _binary(actual: str, expected: str) -> bool:
    try:
        return base64.b64decode(actual) == base64.b64decode(expected)
    except ValueError:
        return False


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda a, e: a == e,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
    "StringLike": lambda a, e: glob(e, a),
    "NumericEquals": _compare(_number, lambda a, e: a == e),
    "NumericLessThan": _compare(_number, lambda a, e: a < e),
    "NumericLessThanEquals": _compare(_number, lambda a, e: a <= e),
    "NumericGreaterThan": _compare(_number, lambda a, e: a > e),
    "NumericGreaterThanEquals": _compare(_number, lambda a, e: a >= e),
    "DateEquals": _compare(_date, lambda a, e: a == e),
    "DateLessThan": _compare(_date, lambda a, e: a < e),
    "DateLessThanEquals": _compare(_date, lambda a, e: a <= e),
    "DateGreaterThan": _compare(_date, lambda a, e: a > e),
    "DateGreaterThanEquals": _compare(_date, lambda a, e: a >= e),
    "Bool": lambda a, e: a.lower() == e.lower(),
    "BinaryEquals": _binary,
    "IpAddress": _ip,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}

# The negated operators: the operator they negate.
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}

# Operators whose condition values may hold policy variables.
_VARIABLES = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}


def condition_holds(operator: str, key: str, expected: Any, context: Context, version: str) -> bool:
    """One operator on one key; raises UnsupportedOperator for one AWS does not document."""
    qualifier, _, base = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise UnsupportedOperator(operator)
    actual = context.get(key)
    expected_values = [str(e).lower() if isinstance(e, bool) else str(e) for e in as_list(expected)]
    if base == "Null":
        if qualifier:
            raise UnsupportedOperator(operator)
        return any((e.lower() == "true") == (actual is None) for e in expected_values)
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    match = _MATCHERS.get(positive)
    if match is None:
        raise UnsupportedOperator(operator)
    if positive in _VARIABLES and version == "2012-10-17":
        expected_values = [v for v in (substitute(e, context) for e in expected_values) if v is not None]

    def value_matches(value: str) -> bool:
        matched = any(match(value, e) for e in expected_values)
        return not matched if negated else matched

    if actual is None:
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    if qualifier == "ForAllValues":
        return all(value_matches(v) for v in actual)
    if qualifier == "ForAnyValue":
        return any(value_matches(v) for v in actual)
    # A single-valued key (or a multivalued one without a qualifier): any value matching any
    # condition value; for a negated operator, none of them.
    matched = any(match(v, e) for v in actual for e in expected_values)
    return not matched if negated else matched


def conditions_hold(conditions: Optional[dict], context: Context, version: str) -> bool:
    """Every operator and every key of a Condition block; evaluates all of them, so that an
    unsupported operator is found even after a condition that does not hold."""
    holds = True
    for operator, pairs in (conditions or {}).items():
        if not isinstance(pairs, dict):
            raise UnsupportedOperator(operator)
        for key, expected in pairs.items():
            if not condition_holds(operator, key, expected, context, version):
                holds = False
    return holds


# --- statements and policies -------------------------------------------------------------------


def _principal_matches(element: Any, principal: Optional[Principal]) -> bool:
    if principal is None:
        return False
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    for kind, values in element.items():
        for value in as_list(values):
            value = str(value)
            if kind == "AWS":
                if value == "*" or value in principal.aws:
                    return True
                if principal.account and value in (principal.account, f"arn:aws:iam::{principal.account}:root"):
                    return True
            elif kind == "Service" and principal.service and value == principal.service:
                return True
    return False


def names_principal(element: Any, principal: Optional[Principal]) -> bool:
    """Whether a Principal element names this principal itself (its ARN or, for a service, its name),
    not only its account."""
    if principal is None or not isinstance(element, dict):
        return element == "*"
    if principal.service:
        return principal.service in [str(v) for v in as_list(element.get("Service"))]
    return any(str(v) in principal.aws or str(v) == "*" for v in as_list(element.get("AWS")))


def _resource_matches(patterns: Any, resource: str, context: Context, version: str) -> bool:
    for pattern in as_list(patterns):
        pattern = str(pattern)
        if version == "2012-10-17":
            substituted = substitute(pattern, context)
            if substituted is None:
                continue
            pattern = substituted
        if glob(pattern, resource):
            return True
    return False


def statement_applies(statement: dict, request: Request, context: Context, version: str) -> bool:
    if "Action" in statement:
        if not any(glob(str(p), request.action, True) for p in as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(glob(str(p), request.action, True) for p in as_list(statement["NotAction"])):
            return False
    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], request.resource, context, version):
            return False
    elif "NotResource" in statement:
        if _resource_matches(statement["NotResource"], request.resource, context, version):
            return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], request.principal):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], request.principal):
        return False
    return conditions_hold(statement.get("Condition"), context, version)


def document(policy: Any) -> dict:
    if isinstance(policy, dict):
        return policy
    return json.loads(policy)


@dataclass
class _Result:
    deny: str = ""  # the deciding statement of an explicit deny
    allow: str = ""  # the first allowing statement
    allow_statement: Optional[dict] = None
    denied: bool = False
    allowed: bool = False


def evaluate_policies(policies: Iterable[Any], request: Request) -> _Result:
    """The statements of these policies that apply: an explicit Deny, an Allow. Raises
    UnsupportedOperator when a statement (whatever its effect) uses an unknown operator."""
    context = Context(request.context)
    result = _Result()
    for policy in policies:
        doc = document(policy)
        version = str(doc.get("Version", "2008-10-17"))
        for index, statement in enumerate(as_list(doc.get("Statement"))):
            if not statement_applies(statement, request, context, version):
                continue
            sid = str(statement.get("Sid", index))
            if statement.get("Effect") == "Deny":
                if not result.denied:
                    result.denied, result.deny = True, sid
            elif statement.get("Effect") == "Allow" and not result.allowed:
                result.allowed, result.allow, result.allow_statement = True, sid, statement
    return result


def decide(
    request: Request,
    identity: Iterable[Any],
    boundary: Optional[Iterable[Any]] = None,
    trust: Optional[Iterable[Any]] = None,
) -> Decision:
    """The decision for one request.

    ``identity``: the caller's identity-based policies; ``boundary``: its permissions boundary (None
    when it has none); ``trust``: for sts:AssumeRole, the role's trust policy (None otherwise).
    """
    kinds = [(IDENTITY, list(identity))]
    if boundary is not None:
        kinds.append((BOUNDARY, list(boundary)))
    if trust is not None:
        kinds.append((TRUST, list(trust)))
    results: dict[str, _Result] = {}
    for kind, policies in kinds:
        try:
            results[kind] = evaluate_policies(policies, request)
        except UnsupportedOperator as e:
            return Decision(UNSUPPORTED, kind, operator=e.operator)
    for kind, _ in kinds:
        if results[kind].denied:
            return Decision(EXPLICIT, kind, results[kind].deny)
    if trust is not None:
        granted = results[TRUST]
        if not granted.allowed:
            return Decision(IMPLICIT, TRUST)
        if names_principal((granted.allow_statement or {}).get("Principal"), request.principal):
            return Decision(ALLOW, TRUST, granted.allow)
    if not results[IDENTITY].allowed:
        return Decision(IMPLICIT, IDENTITY)
    if boundary is not None and not results[BOUNDARY].allowed:
        return Decision(IMPLICIT, BOUNDARY)
    return Decision(ALLOW, IDENTITY, results[IDENTITY].allow)

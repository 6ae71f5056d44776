"""The JSON API against its own OpenAPI document, fuzzed by schemathesis: no server errors, and every
response's status code, content type and body are the ones the document declares.

One API token does the asking: a coordinator who is also an approver, a working party member and a
panel member of plan A (tests/matrix_world.py), so most operations get past the permission check. Each
operation is tried with generated path values and with real ids of the world; Hypothesis runs
derandomized with a bounded number of examples, so the run is the same every time and quick.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from api.app import create_app
from plans.db import session_scope
from plans.models import ApiToken, Role
from plans.services.auth import token_hash
from tests.conftest import Database
from tests.matrix_world import FUZZER_EMAIL, build, token_of, with_token
from tests.web import client, make_user

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# per operation; 50 took 27-38 s per database in the suite, and derandomized the first 30 are the same
EXAMPLES = 30
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _fuzz(
    strategy: st.SearchStrategy[schemathesis.Case],
    label: str,
    headers: dict[str, str],
    failures: dict[str, dict[str, str]],
    calls: dict[str, int],
    statuses: dict[str, Counter[int]],
) -> None:
    """Call one operation with the strategy's cases and record each distinct failure of the checks."""

    @FUZZ
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        calls[label] += 1
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app raised: a server error the ASGI client passes on
            key = f"server error: {type(exc).__name__}"
            failures[label].setdefault(key, f"{case.method} {case.formatted_path} -> {exc}")
            return
        try:
            statuses[label][response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{failure.title} ({response.status_code})"
                body = case.body if isinstance(case.body, dict | list) else ""
                example = f"{case.method} {case.formatted_path} {body}"[:300]
                failures[label].setdefault(key, f"{example} -> {response.text[:300]}")

    run()


def _strategies(
    operation: schemathesis.APIOperation, real: list[dict[str, int | str]], own_token_id: int, dialect: str
) -> st.SearchStrategy[schemathesis.Case]:
    """Valid and invalid requests with generated path values, and valid ones naming real objects."""
    params = {p.name for p in operation.path_parameters}
    generated = operation.as_strategy()
    if "token_id" in params:  # revoking the token that does the asking would end the run
        generated = generated.filter(lambda case: case.path_parameters.get("token_id") != own_token_id)
    strategies = [generated, operation.as_strategy(GenerationMode.NEGATIVE)]
    strategies += [operation.as_strategy(path_parameters={k: ids[k] for k in params}) for ids in real if params]
    return st.one_of(strategies)


def test_every_operation_answers_as_documented(db: Database, tmp_path: Path) -> None:
    world = build(tmp_path, fuzzer=True)
    token = world.bearer[FUZZER_EMAIL]
    with session_scope() as s:
        own_token_id = s.scalar(select(ApiToken.id).where(ApiToken.token_hash == token_hash(token)))
    assert own_token_id is not None
    # real ids: plan A (at sign-off) and plan B (its vision open), a team, a token to revoke, a survey link
    # of each plan (plan A's survey has closed, plan B's is open) and each plan's organisation
    real = [
        {
            "plan_id": world.plans[plan],
            "statement_id": world.statements[plan],
            "team_id": world.teams[team],
            "token_id": world.spare_tokens[FUZZER_EMAIL],
            "token": world.survey_links[link],
            "organisation_id": world.organisations[plan],
            "workshop_id": world.workshops[plan],
        }
        for plan, team, link in (("A", "T1", "closed"), ("B", "other", "open"))
    ]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app())
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, dict[str, str]] = defaultdict(dict)
    calls: dict[str, int] = defaultdict(int)
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        strategy = _strategies(operation, real, own_token_id, db.dialect)
        _fuzz(strategy, operation.label, headers, failures, calls, statuses)

    report = "\n".join(
        f"{label}:" + "".join(f"\n  {key}: {example}" for key, example in sorted(found.items()))
        for label, found in sorted(failures.items())
    )
    assert not failures, f"{sum(len(f) for f in failures.values())} distinct failure(s):\n{report}"
    assert len(calls) == len(operations) and min(calls.values()) >= 1, dict(calls)
    print(f"\nschemathesis: {len(calls)} operations, {sum(calls.values())} requests")
    for label, counts in sorted(statuses.items()):
        print(f"  {label}: {dict(sorted(counts.items()))}")


class TestInputNoPersonTypes:
    """Two server errors the fuzzing found, fixed centrally: ids past the INTEGER range are not found
    (api/permissions.py), and NUL characters in text are refused before any handler (api/guards.py)."""

    def test_an_id_beyond_the_database_range_is_not_found(self, db: Database) -> None:
        make_user("cleo@coordinators.example", Role.COORDINATOR)
        c = with_token(create_app(), token_of("cleo@coordinators.example"))
        # PostgreSQL refuses an INTEGER past 2**31 - 1; SQLite any integer past 2**63 - 1
        big = 2**63 if db.dialect == "sqlite" else 2**31
        assert c.get(f"/api/v1/plans/{big}").status_code == 404

    def test_a_nul_character_in_text_is_refused(self, db: Database) -> None:
        make_user("cleo@coordinators.example", Role.COORDINATOR)
        c = with_token(create_app(), token_of("cleo@coordinators.example"))
        refused = c.post("/api/v1/tokens", json={"name": "nightly\u0000sync"})
        assert refused.status_code == 422 and "NUL" in refused.json()["detail"]
        form = client().post("/sign-in", data={"email": "a\u0000@x.example", "password": "x", "csrf_token": "t"})
        assert form.status_code == 422
        assert client().get("/sign-in/link/abc%00def").status_code == 422

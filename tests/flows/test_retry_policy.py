"""The lifecycle tasks retry what a retry can fix (a dropped connection), not a domain error."""

from __future__ import annotations

from prefect.states import Completed, Failed

from flows.lifecycle import retry_unless_domain_error
from plans.domain.errors import NotFound


class TestRetryUnlessDomainError:
    def test_domain_error_is_not_retried(self) -> None:
        assert retry_unless_domain_error(None, None, Failed(data=NotFound("plan 9 does not exist"))) is False

    def test_other_failures_are_retried(self) -> None:
        assert retry_unless_domain_error(None, None, Failed(data=ConnectionError("database went away"))) is True

    def test_success_needs_no_retry(self) -> None:
        assert retry_unless_domain_error(None, None, Completed(data=1)) is False

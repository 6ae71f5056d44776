"""``coproduce retention run`` as an operator runs it: a dry run says what would go and deletes nothing,
``--at`` previews a date only in a dry run, the run deletes and a second finds nothing due."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from api.cli import app
from plans.models import StaffMember, SurveyInvitation
from tests.conftest import Database
from tests.retention_world import CLOSED, build_closed, count

runner = CliRunner()


def test_dry_run_then_run(db: Database) -> None:
    world = build_closed()
    # the world's survey closed in 2026: by now (the machine's clock) its period is long over
    preview = runner.invoke(
        app, ["retention", "run", "--dry-run", "--at", f"{CLOSED + timedelta(days=30):%Y-%m-%dT%H:%M:%S}"]
    )
    assert preview.exit_code == 0, preview.output
    assert "nothing is due" in preview.output and "kept until" in preview.output
    dry = runner.invoke(app, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "(dry run)" in dry.output and "would delete 14 invitation(s), 1 team link(s)" in dry.output
    assert "staff list of ORG" in dry.output and f"would delete {world.staff} staff" in dry.output
    assert count(SurveyInvitation) == 14 and count(StaffMember) == world.staff
    refused = runner.invoke(app, ["retention", "run", "--at", "2030-01-01"])
    assert refused.exit_code == 2 and "use it with --dry-run" in refused.output
    done = runner.invoke(app, ["retention", "run", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["surveys"][0]["invitations"] == 14 and data["staff_lists"][0]["staff"] == world.staff
    assert count(SurveyInvitation) == 0 and count(StaffMember) == 0
    again = runner.invoke(app, ["retention", "run"])
    assert again.exit_code == 0 and "nothing is due" in again.output

"""`concierge doctor`'s helpdesk check against each helpdesk's fake: the right credential passes and
counts the AI's open tickets, a wrong one fails naming the refusal."""

from __future__ import annotations

import pytest

from concierge.actions.doctor import run_checks
from tests.fakes.hubspot import FakeHubSpot
from tests.fakes.jira import FakeJira
from tests.fakes.loopback import running
from tests.fakes.zoho import FakeZoho
from tests.tools.helpdesk.test_hubspot import hubspot_settings
from tests.tools.helpdesk.test_jira import jira_settings
from tests.tools.helpdesk.test_zoho import zoho_settings

HELPDESKS = {
    "hubspot": (FakeHubSpot, hubspot_settings, {"HUBSPOT_TOKEN": "pat-wrong"}),
    "jira": (FakeJira, jira_settings, {"JIRA_API_TOKEN": "nope"}),
    "zoho": (FakeZoho, zoho_settings, {"ZOHO_REFRESH_TOKEN": "1000.stale"}),
}


async def helpdesk_check(settings):
    [check] = [c for c in await run_checks(settings) if c.part.startswith("helpdesk")]
    return check


@pytest.mark.parametrize("name", sorted(HELPDESKS))
async def test_the_helpdesk_check_passes_the_right_credential_and_names_a_wrong_one(tmp_path, name):
    fake_class, settings_for, wrong = HELPDESKS[name]
    with running(fake_class()) as fake:
        good = await helpdesk_check(settings_for(tmp_path, fake))
        bad = await helpdesk_check(settings_for(tmp_path, fake, **wrong))
    assert good.part == f"helpdesk ({name})" and good.ok and "open ticket(s)" in good.detail, good
    assert not bad.ok and bad.fix, bad
    assert wrong[next(iter(wrong))] not in bad.detail + bad.fix  # the wrong secret is never echoed

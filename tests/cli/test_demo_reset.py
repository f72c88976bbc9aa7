"""`concierge demo --reset` starts the demo again without locking the console's operators out."""

from __future__ import annotations

from concierge.cli.demo import reset_demo_data
from concierge.console.store import ConsoleStore
from concierge.keys import local_secret


def test_a_reset_forgets_the_demo_and_keeps_operators_secrets_and_knowledge_base(settings):
    console = ConsoleStore.for_settings(settings)
    console.add_operator("sofia", "a long enough password")
    secret = local_secret(settings.data_dir, "signing_key")
    for made in (settings.outbox_dir / "offer.eml", settings.calls_dir / "call.json", settings.alerts_file,
                 settings.app_db_path, settings.checkpoint_path, settings.helpdesk_db_path, settings.qdrant_local_path / "kb"):
        made.parent.mkdir(parents=True, exist_ok=True)
        made.write_text("x")

    removed = reset_demo_data(settings)

    assert set(removed) == {"outbox", "calls", "alerts.jsonl", "concierge.sqlite", "checkpoints.sqlite", "helpdesk.sqlite"}
    assert ConsoleStore.for_settings(settings).check_password("sofia", "a long enough password")
    assert local_secret(settings.data_dir, "signing_key") == secret
    assert (settings.qdrant_local_path / "kb").exists()

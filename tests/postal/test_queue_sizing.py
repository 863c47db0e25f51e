"""The postal queue, its consumer and the settings are sized together."""

from __future__ import annotations

import json

from tests.conftest import ROOT

RESOURCES = json.loads((ROOT / "infra" / "resources.json").read_text())["Resources"]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


def test_max_receives_is_the_queues_and_the_visibility_outlasts_the_function() -> None:
    from chalicelib.settings import Settings

    queue = RESOURCES["PostalQueue"]["Properties"]
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    assert Settings.model_fields["POSTAL_MAX_RECEIVES"].default == receives
    assert CONFIG["environment_variables"]["POSTAL_MAX_RECEIVES"] == str(receives)
    for stage in CONFIG["stages"].values():
        timeout = stage["lambda_functions"]["consume_postal"]["lambda_timeout"]
        assert queue["VisibilityTimeout"] >= 6 * timeout  # AWS's advice for SQS event sources


def test_a_booking_lease_outlasts_the_function_so_no_second_consumer_takes_it_over() -> None:
    from chalicelib.postal.wiring import BOOKING_LEASE_SECONDS

    for stage in CONFIG["stages"].values():
        assert stage["lambda_functions"]["consume_postal"]["lambda_timeout"] < BOOKING_LEASE_SECONDS


def test_the_consumer_is_registered_on_the_postal_queue() -> None:
    import app as app_module

    sources = {s.name: s for s in app_module.app.event_sources}
    assert sources["consume_postal"].queue == "camau-zalo-postal"
    assert sources["consume_postal"].batch_size == 5

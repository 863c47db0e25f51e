"""A registry with the toy flow plugged in, for these tests only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.conversation.actions import register_action, unregister_action
from chalicelib.conversation.flow import FlowRegistry
from chalicelib.conversation.flows import default_flows

from .toy_receipt import KeepReceiptPhoto, ReceiptPhotoFlow


@pytest.fixture
def toy_flows() -> Iterator[FlowRegistry]:
    """The real flows plus the toy one; its action kind registered for the test's duration."""
    register_action(KeepReceiptPhoto)
    try:
        yield default_flows().with_flows(ReceiptPhotoFlow())
    finally:
        unregister_action(KeepReceiptPhoto.model_fields["kind"].default)

"""Editing flows from the graph view: key bindings and actions mixed into the app."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class EditingMixin:
    """Adds the flow-editing key bindings and `action_*` methods to the app."""

    BINDINGS: list = []

"""Build hook: a wheel carries the notebooks and the derived reference set as package data.

``analysis init`` copies the notebooks into a new project folder, and a run outside a checkout
reads the shipped reference set. An editable install (``make setup``) reads both from the
checkout itself, so they are not copied into it (a copy would go stale).
"""

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = {"notebooks": "analysis/resources/notebooks", "data/reference": "analysis/resources/reference"}


class ShippedDataHook(BuildHookInterface):
    """Add the notebooks and the reference set to a standard (non-editable) wheel."""

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name == "wheel" and version != "editable":
            build_data["force_include"].update(SHIPPED)

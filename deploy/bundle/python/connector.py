"""FortiSOAR connector "sentinelone": runs each operation and health check on the
sentinelone-connector server that the RPM cyops-connector-sentinelone installs.

FortiSOAR keeps the configurations and their secrets and hands their values to
execute() and check_health(); they go to the server inline, in the request body,
and are never logged here. See README.md for how the two halves find each other.
"""

import json
import os
import time

from connectors.core.connector import Connector, ConnectorError, get_logger

from .client import Server, ServerError, locate

logger = get_logger("sentinelone")

_INFO_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "info.json")


class SentinelOne(Connector):
    """Forwards FortiSOAR's calls to the connector server."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        info = getattr(self, "_info_json", None) or {}
        if not info.get("configuration"):
            with open(_INFO_JSON, "r", encoding="utf-8") as f:
                info = json.load(f)
        self._name = info.get("name", "sentinelone")
        self._version = info.get("version", "")
        self._fields = [f["name"] for f in info.get("configuration", {}).get("fields", [])]

    def execute(self, config, operation, params, **kwargs):
        start = time.monotonic()
        try:
            data = self._server().execute(self._name, self._version, operation, self._values(config), params or {})
        except ServerError as exc:
            logger.error("operation %s failed: %s", operation, exc)
            raise ConnectorError(str(exc)) from None
        logger.info("operation %s done in %.0f ms", operation, (time.monotonic() - start) * 1000)
        return data

    def check_health(self, config=None):
        try:
            answer = self._server().health(self._name, self._version, self._values(config))
        except ServerError as exc:
            logger.error("health check failed: %s", exc)
            raise ConnectorError(str(exc)) from None
        if answer.get("status") != "Available":
            message = str(answer.get("message") or "the connector server reported %s" % answer.get("status"))
            logger.warning("health check: %s: %s", answer.get("status"), message)
            raise ConnectorError(message)
        logger.info("health check: Available")

    # Lifecycle hooks. FortiSOAR holds the configurations, so there is nothing to set up;
    # when a configuration changes, goes or is switched off, the server logs out the
    # SentinelOne session it keeps for the old values. A failure there is only logged.

    def on_update_config(self, old_config, new_config, active):
        self._forget(old_config)

    def on_delete_config(self, config):
        self._forget(config)

    def on_deactivate(self, config):
        self._forget(config)

    def teardown(self, config):
        self._forget(config)

    def _forget(self, config):
        try:
            self._server().forget(self._name, self._version, self._values(config))
        except (ServerError, ConnectorError) as exc:
            logger.warning("could not drop the cached SentinelOne session: %s", exc)

    def _server(self):
        return Server(locate())

    def _values(self, config):
        """The configuration fields of info.json, without what FortiSOAR adds to config."""
        if not isinstance(config, dict):
            raise ConnectorError("the configuration must be a set of field values, got %s" % type(config).__name__)
        return {name: config[name] for name in self._fields if name in config}

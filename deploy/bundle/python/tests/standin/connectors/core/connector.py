"""A minimal stand-in for FortiSOAR's connectors.core.connector, for tests only.

Written from the project's FortiSOAR reference (fortisoar.md section 8): the base
class Connector with its lifecycle hooks, _handle_operation(input, **kwargs) and
verify_health(config, active), ConnectorError and get_logger.
"""

import abc
import logging

STATE_AVAILABLE = "Available"
STATE_DISCONNECTED = "Disconnected"
STATE_DEACTIVATED = "Deactivated"
STATE_NOT_CONFIGURED = "NotConfigured"


class ConnectorError(Exception):
    """A failure whose message the analyst sees."""


def get_logger(name=None):
    """The standard logger connectors.<name>."""
    return logging.getLogger("connectors.%s" % name if name else "connectors")


class Connector(metaclass=abc.ABCMeta):
    """The base of every connector; the engine constructs it with info_json=<manifest>."""

    def __init__(self, *args, **kwargs):
        self._info_json = kwargs.get("info_json", {})

    def init(self):
        return True

    def on_app_start(self, config, active):
        pass

    def on_add_config(self, config, active):
        pass

    def on_update_config(self, old_config, new_config, active):
        pass

    def on_delete_config(self, config):
        pass

    def on_activate(self, config):
        pass

    def on_deactivate(self, config):
        pass

    def teardown(self, config):
        pass

    def clean_up(self):
        pass

    @abc.abstractmethod
    def execute(self, config, operation, params, **kwargs):
        """Runs one operation; the return value is the step's data."""

    def check_health(self, config=None):
        pass

    def verify_health(self, config, active=False):
        if not active:
            return {"status": STATE_DEACTIVATED,
                    "message": "Connector is available but not active. Activate it to check its health."}
        try:
            self.check_health(config)
        except Exception as exc:  # the engine reports any failure as Disconnected
            return {"status": STATE_DISCONNECTED, "message": str(exc)}
        return {"status": STATE_AVAILABLE, "message": "Connector is available"}

    def _handle_operation(self, input, **kwargs):
        result = self.execute(input.get("config", {}), input.get("operation"), input.get("params"), **kwargs)
        is_binary = False
        if isinstance(result, tuple):
            result, is_binary = result[0], result[1]
        self.clean_up()
        return {"data": result, "status": "Success", "message": "", "is_binary": is_binary}

    def _get_op_from_annotation(self, annotation):
        for op in self._info_json.get("operations", []):
            if op.get("annotation") == annotation:
                return op.get("operation")
        return None

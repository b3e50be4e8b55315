"""FortiSOAR connector "sentinelone": runs each operation and health check on the
sentinelone-connector server that the RPM cyops-connector-sentinelone installs.

FortiSOAR keeps the configurations and their secrets and hands their values to
execute() and check_health(); they go to the server inline, in the request body,
and are never logged here. See README.md for how the two halves find each other.
"""

import base64
import hashlib
import importlib
import json
import os
import shutil
import tempfile
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
        return store_files(data)

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


def _uploader():
    """FortiSOAR's file upload utility, or None outside FortiSOAR."""
    try:
        return importlib.import_module("connectors.cyops_utilities.builtins").upload_file_to_cyops
    except (ImportError, AttributeError):
        return None


def _files(data):
    """Every downloaded file object in an operation's data: a dict with the file's name,
    sha256 and base64 content."""
    if isinstance(data, dict):
        if isinstance(data.get("content_base64"), str) and "sha256" in data and "name" in data:
            yield data
            return
        for value in data.values():
            yield from _files(value)
    elif isinstance(data, list):
        for value in data:
            yield from _files(value)


def store_files(data):
    """Inside FortiSOAR, stores each downloaded file as an attachment with FortiSOAR's upload
    utility and puts the attachment's and the file's IRIs in place of its content. The
    content is checked against its SHA-256 first and written only to a private directory of
    this call (never a shared temp path), removed afterwards. Outside FortiSOAR the data is
    returned unchanged."""
    found = list(_files(data))
    upload = _uploader() if found else None
    if upload is None:
        return data
    private = tempfile.mkdtemp(prefix="sentinelone-")
    try:
        for n, f in enumerate(found):
            content = base64.b64decode(f["content_base64"])
            if hashlib.sha256(content).hexdigest() != f["sha256"]:
                raise ConnectorError("file %s does not match its SHA-256; it was not stored" % f["name"])
            name = os.path.basename(str(f["name"])) or "file"
            path = os.path.join(private, "%d-%s" % (n, name))
            with open(path, "wb") as out:
                out.write(content)
            answer = upload(file_path=path, filename=name, name=name, create_attachment=True)
            f["attachment_iri"] = answer.get("@id")
            f["file_iri"] = (answer.get("file") or {}).get("@id")
            f["content_base64"] = ""
            logger.info("stored file %s (%d bytes) as attachment %s", name, len(content), f["attachment_iri"])
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return data

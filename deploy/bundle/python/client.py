"""HTTP client of the sentinelone-connector server, for the FortiSOAR connector.

The RPM cyops-connector-sentinelone runs the server (systemd unit
cyops-connector-sentinelone.service); this module finds it, sends it one call
with the configuration's values inline, and decodes the answer. Python 3
standard library only.

Finding the server, first match wins, for the URL and the token separately:

1. the environment: SENTINELONE_CONNECTOR_URL, and SENTINELONE_CONNECTOR_TOKEN_FILE
   (a file holding only the bearer token);
2. the client file the RPM installs, /etc/cyops-connector-sentinelone/client.conf
   (KEY=value lines SENTINELONE_CONNECTOR_URL and SENTINELONE_CONNECTOR_TOKEN);
3. the RPM's default address, http://127.0.0.1:8787 (then without a token).

An https URL is verified against the system's CAs, or against the PEM file named by
SENTINELONE_CONNECTOR_CA_FILE (in the environment or the client file).
"""

import codecs
import json
import os
import socket
import ssl
import time
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8787"
CLIENT_FILE = "/etc/cyops-connector-sentinelone/client.conf"
UNIT = "cyops-connector-sentinelone"
ENV_URL = "SENTINELONE_CONNECTOR_URL"
ENV_TOKEN_FILE = "SENTINELONE_CONNECTOR_TOKEN_FILE"
ENV_CA_FILE = "SENTINELONE_CONNECTOR_CA_FILE"
FILE_TOKEN = "SENTINELONE_CONNECTOR_TOKEN"

# Seconds a call may take in all, and without a byte from the server. The server bounds
# an execute by its own deadline (5 minutes by default) and a health check by 15 s.
EXECUTE_TIMEOUT = 330
HEALTH_TIMEOUT = 60
CHUNK = 64 * 1024

# The server's failure prefix; FortiSOAR adds its own when it reports a ConnectorError.
_FAILURE_PREFIX = "CS-INTEGRATION-5: Error occurred while executing the connector action ERROR :: "


class ServerError(Exception):
    """A call to the server failed; the message says why and is safe to show."""


class Settings(object):
    """Where the server is and the token it wants; origin says where they came from."""

    def __init__(self, url, token, origin, note="", cafile=None):
        self.url = url.rstrip("/")
        self.token = token
        self.origin = origin
        self.note = note  # why a token is missing, when one is
        self.cafile = cafile  # PEM CAs for an https URL; None: the system's


def _read_client_file(path):
    """Returns the KEY=value pairs of the client file, and a note when it is unreadable."""
    values = {}
    try:
        with open(path, "r", encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    except FileNotFoundError:
        return values, ""
    except OSError as exc:
        return values, "the client file %s cannot be read (%s): FortiSOAR's integrations user " \
                       "must be in the file's group" % (path, exc.strerror or exc.__class__.__name__)
    return values, ""


def locate(environ=None, client_file=None):
    """Finds the server's URL and bearer token (see the module documentation)."""
    environ = os.environ if environ is None else environ
    client_file = CLIENT_FILE if client_file is None else client_file
    url = environ.get(ENV_URL, "").strip()
    origins = []
    token, note = None, ""
    token_file = environ.get(ENV_TOKEN_FILE, "").strip()
    if token_file:
        try:
            with open(token_file, "r", encoding="utf-8") as f:
                token = f.read().strip()
            origins.append(ENV_TOKEN_FILE)
        except OSError as exc:
            raise ServerError("%s names %s, which cannot be read: %s"
                              % (ENV_TOKEN_FILE, token_file, exc.strerror or exc.__class__.__name__))
    if url:
        origins.insert(0, ENV_URL)
    cafile = environ.get(ENV_CA_FILE, "").strip()
    if not url or token is None or not cafile:
        values, note = _read_client_file(client_file)
        cafile = cafile or values.get(ENV_CA_FILE, "")
        if not url and values.get(ENV_URL):
            url = values[ENV_URL]
            origins.insert(0, client_file)
        if token is None and values.get(FILE_TOKEN):
            token = values[FILE_TOKEN]
            origins.append(client_file)
    if not url:
        url = DEFAULT_URL
        origins.insert(0, "the default address")
    return Settings(url, token or None, " and ".join(origins), note, cafile or None)


def strip_failure_prefix(message):
    """Removes the server's failure prefix, so FortiSOAR shows the reason once."""
    while message.startswith(_FAILURE_PREFIX):
        message = message[len(_FAILURE_PREFIX):]
    return message


class Server(object):
    """One server, as located; each call opens its own connection."""

    def __init__(self, settings):
        self.settings = settings

    def execute(self, connector, version, operation, config, params):
        """Runs an operation and returns its data."""
        body = {"connector": connector, "version": version, "operation": operation,
                "config": config, "params": params}
        answer = self._call("POST", "/api/integration/execute/", body, EXECUTE_TIMEOUT)
        if answer.get("status") != "Success":
            raise ServerError(strip_failure_prefix(str(answer.get("message") or "the server answered without a status")))
        return answer.get("data")

    def health(self, connector, version, config):
        """Returns the health check's answer: status and message."""
        path = "/api/integration/connectors/healthcheck/%s/%s/" % (connector, version)
        return self._call("POST", path, {"config": config}, HEALTH_TIMEOUT)

    def forget(self, connector, version, config):
        """Asks the server to log out the session it keeps for these values."""
        path = "/api/integration/connectors/sessions/%s/%s/forget/" % (connector, version)
        return self._call("POST", path, {"config": config}, HEALTH_TIMEOUT)

    def _call(self, method, path, body, timeout):
        s = self.settings
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if s.token:
            headers["Authorization"] = "Bearer " + s.token
        # Values JSON cannot hold (a datetime from a playbook, say) go as their text.
        data = json.dumps(body, default=str).encode("utf-8")
        request = urllib.request.Request(s.url + path, data=data, headers=headers, method=method)
        deadline = time.monotonic() + timeout
        context = None
        if s.url.startswith("https:"):
            try:
                context = ssl.create_default_context(cafile=s.cafile)
            except (OSError, ssl.SSLError) as exc:
                raise ServerError("%s %s cannot be used: %s" % (ENV_CA_FILE, s.cafile, exc)) from None
        try:
            response = urllib.request.urlopen(request, timeout=timeout, context=context)
        except urllib.error.HTTPError as exc:
            return self._failure(exc)
        except (urllib.error.URLError, OSError) as exc:
            raise ServerError(self._unreachable(exc, timeout)) from None
        try:
            with response:
                return decode_stream(response, deadline)
        except (socket.timeout, OSError) as exc:
            raise ServerError("the SentinelOne connector server at %s stopped answering: %s" % (s.url, exc)) from None
        except ValueError as exc:
            raise ServerError("the SentinelOne connector server at %s sent an answer that is not JSON: %s"
                              % (s.url, exc)) from None

    def _failure(self, exc):
        s = self.settings
        try:
            with exc:
                answer = decode_stream(exc)
        except (ValueError, OSError):
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        message = strip_failure_prefix(str(answer.get("message") or exc.reason or ""))
        if exc.code == 401:
            hint = s.note or "check the token in %s (found through %s)" % (CLIENT_FILE, s.origin)
            if not s.token:
                hint = s.note or "no token was found: set %s or install %s" % (ENV_TOKEN_FILE, CLIENT_FILE)
            raise ServerError("the SentinelOne connector server at %s refused the bearer token: %s"
                              % (s.url, hint)) from None
        if "status" not in answer:
            raise ServerError("the SentinelOne connector server at %s answered HTTP %d: %s"
                              % (s.url, exc.code, message)) from None
        answer["message"] = message
        answer.setdefault("http_status", exc.code)
        return answer

    def _unreachable(self, exc, timeout):
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLError):
            return ("the SentinelOne connector server at %s (found through %s) failed TLS verification (%s): "
                    "set %s to the PEM file of the CA that signed its certificate"
                    % (self.settings.url, self.settings.origin, getattr(reason, "verify_message", None) or reason,
                       ENV_CA_FILE))
        if isinstance(reason, socket.timeout):
            what = "did not answer within %d s" % timeout
        elif isinstance(reason, ConnectionRefusedError):
            what = "is not running (connection refused)"
        else:
            what = "is not reachable (%s)" % (getattr(reason, "strerror", None) or reason)
        return ("the SentinelOne connector server at %s (found through %s) %s: start it on that host "
                "with `systemctl start %s` and see `journalctl -u %s`"
                % (self.settings.url, self.settings.origin, what, UNIT, UNIT))


def decode_stream(stream, deadline=None):
    """Decodes a JSON answer read from stream in chunks. An envelope that starts with a
    "data" list, as the server streams long lists, is decoded item by item, so the raw
    text of a large answer is never held whole next to its decoded items. Past deadline
    (time.monotonic()), reading stops with socket.timeout."""
    reader = _Chunks(stream, deadline)
    head = reader.fill_to(len('{"data":['))
    stripped = head.lstrip()
    if not stripped.startswith('{"data":['):
        return json.loads(reader.rest())
    reader.skip(len(head) - len(stripped) + len('{"data":['))
    items = []
    decoder = json.JSONDecoder()
    while True:
        reader.skip_space()
        c = reader.peek()
        if c == "]":
            reader.skip(1)
            break
        if items:
            if c != ",":
                raise ValueError("expected ',' or ']' in the data list, got %r" % c)
            reader.skip(1)
            reader.skip_space()
        items.append(reader.decode(decoder))
    envelope = json.loads('{"data":null' + reader.rest())
    envelope["data"] = items
    return envelope


class _Chunks(object):
    """A text buffer over a byte stream, filled on demand."""

    def __init__(self, stream, deadline=None):
        self.stream = stream
        self.deadline = deadline
        self.text = ""
        self.pos = 0
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.eof = False

    def _more(self):
        if self.eof:
            return False
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise socket.timeout("the answer took longer than the call's time limit")
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.eof = True
            self.text = self.text[self.pos:] + self.utf8.decode(b"", final=True)
            self.pos = 0
            return False
        self.text = self.text[self.pos:] + self.utf8.decode(chunk)
        self.pos = 0
        return True

    def fill_to(self, n):
        while len(self.text) - self.pos < n and self._more():
            pass
        return self.text[self.pos:self.pos + n]

    def peek(self):
        if self.pos >= len(self.text) and not self._more():
            raise ValueError("the answer ends inside the data list")
        return self.text[self.pos]

    def skip(self, n):
        self.fill_to(n)
        self.pos += n

    def skip_space(self):
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text) or not self._more():
                return

    def decode(self, decoder):
        """Decodes one value; it counts as complete only once a byte follows it, so a
        number cut by a chunk boundary is never taken for a shorter one."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                if end < len(self.text) or self.eof:
                    self.pos = end
                    return value
            except ValueError:
                if self.eof:
                    raise
            if not self._more() and self.eof and self.pos >= len(self.text):
                raise ValueError("the answer ends inside the data list")

    def rest(self):
        while self._more():
            pass
        out = self.text[self.pos:]
        self.text, self.pos = "", 0
        return out

"""Starts the real connector server and the SentinelOne simulator for the tests, and
imports the import bundle's package the way FortiSOAR does.

Environment: SENTINELONE_TEST_BINARY (the built sentinelone-connector) and
SENTINELONE_TEST_BUNDLE (the built sentinelone-<version>.tgz); `make test-python` sets both.
"""

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# FORTISOAR_ENGINE_PATH may name a directory holding Fortinet's own `connectors` package
# (fortinet-fortisoar/fortisoar-connector-library) to run the suite on the real engine.
STANDIN = os.environ.get("FORTISOAR_ENGINE_PATH") or os.path.join(HERE, "standin")
SERVER_TOKEN = "test-bearer-token-5f0c2e9a7b41d6"


def _need(name):
    value = os.environ.get(name, "")
    if not value or not os.path.exists(value):
        raise RuntimeError("%s must name the built file (run `make test-python`), got %r" % (name, value))
    return os.path.abspath(value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process(object):
    """A child process whose stdout lines are collected in the background."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                     universal_newlines=True)
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, pattern, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            m = re.search(pattern, line)
            if m:
                return m
        raise RuntimeError("no line matching %r; output:\n%s" % (pattern, "".join(self.output)))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


class Stack(object):
    """Simulator, server and the extracted bundle, in a temporary directory."""

    def __init__(self):
        self.binary = _need("SENTINELONE_TEST_BINARY")
        self.bundle = _need("SENTINELONE_TEST_BUNDLE")
        self.dir = tempfile.mkdtemp(prefix="s1-shim-")
        self.sim = None
        self.server = None

    def start(self):
        cert = os.path.join(self.dir, "sim.pem")
        self.sim = Process([self.binary, "simulate", "--listen", "127.0.0.1:0", "--cert-out", cert,
                            "--agents", "60", "--threats", "20",
                            # Deep Visibility's start limit, short, below the server's pacing.
                            "--query-init-interval", "50ms"])
        self.sim_url = self.sim.wait_for(r"listening on (https://\S+)").group(1)
        self.server_log = os.path.join(self.dir, "server.log")
        self.token_file = os.path.join(self.dir, "token")
        with open(self.token_file, "w") as f:
            f.write(SERVER_TOKEN + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONNECTOR_", "SENTINELONE_"))}
        env["CONNECTOR_API_TOKEN_FILE"] = self.token_file
        self.server = Process([self.binary, "serve", "--listen", "127.0.0.1:0",
                               "--data-dir", os.path.join(self.dir, "data"), "--ca-bundle", cert,
                               "--log-file", self.server_log, "--query-start-interval", "100ms",
                               # Deep Visibility's documented limits, raised to suit the short pacing above.
                               "--rate-limits", "dv-init-query=20,dv-query-status=20"], env=env)
        self.url = self.server.wait_for(r"listening on (http://\S+)").group(1)
        with tarfile.open(self.bundle) as tar:
            tar.extractall(os.path.join(self.dir, "bundle"))
        for path in (STANDIN, os.path.join(self.dir, "bundle")):
            if path not in sys.path:
                sys.path.insert(0, path)

    def start_tls_server(self):
        """A second server on HTTPS with a fresh self-signed certificate for 127.0.0.1;
        returns its URL and the certificate's file, or None without openssl."""
        if not shutil.which("openssl"):
            return None
        cert, key = os.path.join(self.dir, "tls.crt"), os.path.join(self.dir, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONNECTOR_", "SENTINELONE_"))}
        env["CONNECTOR_API_TOKEN_FILE"] = self.token_file
        self.tls_server = Process([self.binary, "serve", "--listen", "127.0.0.1:0",
                                   "--data-dir", os.path.join(self.dir, "data-tls"),
                                   "--ca-bundle", os.path.join(self.dir, "sim.pem"),
                                   "--tls-cert", cert, "--tls-key", key, "--log-file", self.server_log], env=env)
        return self.tls_server.wait_for(r"listening on (https://\S+)").group(1), cert

    def stop(self):
        for p in (self.server, self.sim, getattr(self, "tls_server", None)):
            if p:
                p.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # The simulator's control endpoint: its request log and faults.

    def _sim(self, method, path, body=None):
        import ssl
        ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "sim.pem"))
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.sim_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def sim_requests(self):
        return self._sim("GET", "/_sim/requests")

    def reset_sim_requests(self):
        self._sim("DELETE", "/_sim/requests")

"""Benchmark of the bundle's connector.py: the time the shim adds to a warm inline call
over the same HTTP request sent directly, and SentinelOne requests per warm call.

    make bench-shim        (or: SENTINELONE_TEST_BINARY=… SENTINELONE_TEST_BUNDLE=… python3 bench_shim.py)
"""

import importlib
import json
import os
import statistics
import sys
import time
import urllib.request
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "300"))


def main():
    stack = harness.Stack()
    stack.start()
    try:
        importlib.import_module("connectors.core.connector")
        module = importlib.import_module("sentinelone.connector")
        conn = module.SentinelOne()
        config = {"host_name": stack.sim_url, "api_token": "sim-admin-api-token", "api_version": "2.1",
                  "verify_ssl": True}
        body = json.dumps({"connector": "sentinelone", "version": "1.1.0", "operation": "get_agent_count",
                           "config": config, "params": {}}).encode()

        def direct():
            req = urllib.request.Request(stack.url + "/api/integration/execute/", data=body, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": "Bearer " + harness.SERVER_TOKEN})
            with urllib.request.urlopen(req, timeout=30) as r:
                json.loads(r.read())

        env = {"SENTINELONE_CONNECTOR_URL": stack.url, "SENTINELONE_CONNECTOR_TOKEN_FILE": stack.token_file}
        with mock.patch.dict(os.environ, env):
            def shim():
                conn.execute(config, "get_agent_count", {})

            for f in (direct, shim):  # warm: login, connections, imports
                for _ in range(20):
                    f()
            stack.reset_sim_requests()
            times = {"direct": [], "shim": []}
            for _ in range(CALLS):  # interleaved, so drift hits both alike
                for name, f in (("direct", direct), ("shim", shim)):
                    t = time.perf_counter()
                    f()
                    times[name].append(time.perf_counter() - t)
            requests = len(stack.sim_requests())
    finally:
        stack.stop()
    d, s = statistics.median(times["direct"]), statistics.median(times["shim"])
    print("warm inline get_agent_count, %d calls each, loopback" % CALLS)
    print("  SentinelOne requests per warm call: %.3f" % (requests / (2.0 * CALLS)))
    print("  direct HTTP call, median: %.3f ms" % (d * 1000))
    print("  through connector.py, median: %.3f ms" % (s * 1000))
    print("  added by connector.py: %.3f ms per call" % ((s - d) * 1000))


if __name__ == "__main__":
    main()

"""Tests of the bundle's connector.py through a stand-in of FortiSOAR's connector
engine, against the real connector server and the SentinelOne simulator."""

import base64
import hashlib
import importlib
import inspect
import io
import json
import logging
import os
import sys
import tempfile
import time
import types
import unittest
import zipfile
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

STACK = None
LOG = io.StringIO()
ADMIN_USER, ADMIN_PASSWORD = "admin@s1sim.local", "Sim-Admin-Pass-1"
ADMIN_TOKEN = "sim-admin-api-token"


def setUpModule():
    global STACK, module, engine
    STACK = harness.Stack()
    STACK.start()
    handler = logging.StreamHandler(LOG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger("connectors").addHandler(handler)
    logging.getLogger("connectors").setLevel(logging.DEBUG)
    engine = importlib.import_module("connectors.core.connector")
    module = importlib.import_module("sentinelone.connector")


def tearDownModule():
    if STACK:
        STACK.stop()


def server_env(url=None, token_file=None):
    """Points the shim at the test server through its environment variables."""
    return mock.patch.dict(os.environ, {
        "SENTINELONE_CONNECTOR_URL": url or STACK.url,
        "SENTINELONE_CONNECTOR_TOKEN_FILE": token_file or STACK.token_file,
    })


def find_connector_class():
    """Picks the class as FortiSOAR does: a non-abstract subclass of Connector in
    <name>.connector."""
    found = [obj for _, obj in inspect.getmembers(module)
             if inspect.isclass(obj) and issubclass(obj, module.Connector) and not inspect.isabstract(obj)]
    return found


def new_connector():
    with open(os.path.join(STACK.dir, "bundle", "sentinelone", "info.json")) as f:
        info = json.load(f)
    return find_connector_class()[0](info_json=info)


class Config(object):
    """FortiSOAR configurations of the simulator console."""

    @staticmethod
    def token_v21():
        return {"host_name": STACK.sim_url, "api_token": ADMIN_TOKEN, "api_version": "2.1",
                "verify_ssl": True, "username": "", "password": ""}

    @staticmethod
    def password_v20():
        return {"host_name": STACK.sim_url, "username": ADMIN_USER, "password": ADMIN_PASSWORD,
                "api_version": "2.0", "verify_ssl": True, "api_token": "",
                # FortiSOAR's engine adds keys of its own; the shim leaves them out.
                "local_database_path": "/tmp/x"}


class EngineTest(unittest.TestCase):
    def test_one_connector_class(self):
        classes = find_connector_class()
        self.assertEqual(1, len(classes), classes)
        self.assertTrue(issubclass(classes[0], engine.Connector))

    def test_constructed_without_info_json(self):
        # The shim reads the bundle's info.json when the engine gives none.
        conn = find_connector_class()[0]()
        self.assertIn("host_name", conn._fields)
        self.assertEqual("1.1.0", conn._version)


class OperationsTest(unittest.TestCase):
    """Every operation through _handle_operation with an inline configuration."""

    def run_op(self, conn, config, operation, params):
        with server_env():
            result = conn._handle_operation({"config": config, "operation": operation, "params": params})
        if isinstance(result, tuple):  # Fortinet's engine answers (result, is_binary)
            result = result[0]
        self.assertEqual("Success", result["status"])
        return result["data"]

    def check_all(self, config, version):
        conn = new_connector()
        agents = self.run_op(conn, config, "get_agents", {"limit": 10})
        self.assertEqual(10, len(agents))
        a = [x["id"] for x in agents]
        count = self.run_op(conn, config, "get_agent_count", {})
        self.assertGreater(count["count"], 10)
        threats = self.run_op(conn, config, "list_all_threats", {"limit": 5})
        self.assertTrue(threats)
        t = [x["id"] for x in threats]
        detail = self.run_op(conn, config, "get_threat_details", {"threat_id": t[0]})
        self.assertEqual(t[0], detail["id"])
        sha1 = (detail.get("threatInfo") or {}).get("sha1") or detail.get("fileContentHash")
        self.assertTrue(sha1, detail)
        sites = self.run_op(conn, config, "get_sites", {})
        self.assertEqual(3, len(sites))
        groups = self.run_op(conn, config, "get_groups", {"siteIds": sites[0]["id"]})
        self.assertTrue(groups)
        static = [g for g in groups if g["type"] == "static"]
        self.assertTrue(all(g["siteId"] == sites[0]["id"] for g in groups))
        uuid4 = agents[4]["uuid"]
        ops = [
            ("get_hash_details", {"hash": sha1}, lambda d: self.assertEqual(sha1, d["hash"])),
            ("get_agent_passphrase", {"agent_id": a[0]}, lambda d: self.assertEqual(a[0], d["agent_id"])),
            ("get_application_installed_on_agent", {"agent_id": a[0]}, lambda d: self.assertIsInstance(d, list)),
            ("list_of_process_running_on_agent", {"agent_id": a[0]}, lambda d: self.assertIsInstance(d, list)),
            ("broadcast_message_to_agent", {"message": "hello from a playbook", "ids": a[1]},
             lambda d: self.assertEqual(1, d["affected_agents"])),
            ("initiate_agent_scan", {"ids": a[1]}, lambda d: self.assertEqual(1, d["affected_agents"])),
            ("abort_agent_scan", {"ids": a[1]}, lambda d: self.assertEqual(1, d["affected_agents"])),
            ("fetch_agent_logs", {"ids": a[1]}, lambda d: self.assertEqual(1, d["affected_agents"])),
            ("agent_action", {"action": "Isolate Agent Network", "ids": a[2]},
             lambda d: self.assertEqual(1, d["affected_agents"])),
            ("reconnect_agent_network", {"ids": a[2]}, lambda d: self.assertEqual(1, d["affected_agents"])),
            ("agent_action", {"action": "Decommission Agent", "ids": a[3]},
             lambda d: self.assertEqual(1, d["affected_agents"])),
            ("commission_agent", {"agent_id": a[3]}, lambda d: self.assertEqual(a[3], d["agent_id"])),
            ("mitigate_threats", {"action": "Quarantine", "threat_id": t[1]},
             lambda d: self.assertEqual(1, d["affected"])),
            ("mark_threat_as_benign", {"threat_id": t[2]}, lambda d: self.assertEqual(1, d["affected"])),
            ("get_agent_details", {"endpoint": uuid4}, lambda d: self.assertEqual(a[4], d["id"])),
            ("restart_agent", {"endpoints": uuid4}, lambda d: self.assertEqual(
                [{"endpoint": uuid4, "kind": "uuid", "agent_id": a[4], "computerName": agents[4]["computerName"],
                  "matched_by": "uuid"}], d["endpoints"])),
            ("disable_agent", {"ids": a[5], "reboot": True}, lambda d: self.assertEqual(1, d["affected"])),
            ("enable_agent", {"ids": a[5]}, lambda d: self.assertEqual(1, d["affected"])),
            ("move_agents_to_group", {"ids": a[6], "group_id": static[0]["id"]}, lambda d: self.assertEqual(1, d["affected"])),
            ("move_agents_to_site", {"ids": a[7], "site_id": sites[1]["id"]}, lambda d: self.assertEqual(1, d["affected"])),
            ("get_accounts", {}, lambda d: self.assertEqual(2, len(d))),
            ("get_activities", {"agent_id": a[4]}, lambda d: self.assertEqual({a[4]}, {x["agentId"] for x in d})),
            ("get_activity_types", {}, lambda d: self.assertTrue(d)),
            ("add_note_to_a_threat", {"threat_id": t[3], "text": "checked from FortiSOAR"},
             lambda d: self.assertEqual(1, d["affected"])),
            ("get_threat_notes", {"threat_id": t[3]},
             lambda d: self.assertEqual("checked from FortiSOAR", d["notes"][-1]["text"])),
            ("get_threat_timeline", {"threat_id": t[3], "limit": 5}, lambda d: self.assertGreaterEqual(d["count"], 2)),
            ("create_blacklist_item", {"hash": sha1, "os_type": "windows", "scope": "Tenant"},
             lambda d: self.assertEqual(1, d["count"])),
            ("create_blacklist_item", {"hash": sha1, "os_type": "windows", "scope": "Tenant"},
             lambda d: self.assertTrue(d["already_present"])),
            ("get_blacklist", {"hash": sha1}, lambda d: self.assertEqual(1, d["count"])),
            ("delete_blacklist_item", {"hash": sha1, "scope": "Tenant"}, lambda d: self.assertEqual(1, d["affected"])),
            ("create_exclusion", {"type": "Path", "value": "/opt/tools", "os_type": "linux", "scope": "Tenant"},
             lambda d: self.assertEqual(1, d["count"])),
            ("get_exclusions", {"type": "Path"}, lambda d: self.assertEqual(1, d["count"])),
            ("delete_exclusion", {"type": "Path", "value": "/opt/tools", "scope": "Tenant"},
             lambda d: self.assertEqual(1, d["affected"])),
            ("fetch_threats", {"max_items": 5},
             lambda d: (self.assertEqual(5, len(d["data"])), self.assertTrue(d["has_more"]),
                        self.assertTrue(d["checkpoint"].startswith("s1cp1.")))),
            ("get_output_schema_threats", {}, lambda d: (self.assertTrue(d["sample"]), self.assertEqual(1, len(d["data"])))),
        ]
        # Endpoints that exist only in API 2.1: on 2.0 the call fails clearly, before SentinelOne.
        only21 = [
            ("update_analyst_verdict", {"threat_id": t[4], "verdict": "true_positive"},
             lambda d: self.assertEqual(1, d["affected"])),
            ("change_incident_status", {"threat_id": t[4], "status": "in_progress", "verdict": "suspicious"},
             lambda d: self.assertEqual(1, d["affected"])),
            ("get_hash_verdict", {"hash": sha1}, lambda d: self.assertIn(d["verdict"], ("malicious", "non-malicious"))),
            ("fetch_alerts", {"max_items": 5},
             lambda d: (self.assertEqual(5, len(d["data"])), self.assertTrue(d["has_more"]), self.assertEqual([], d["updated"]),
                        self.assertTrue(d["data"][0]["alertInfo"]["alertId"]))),
            ("get_alerts", {"limit": 3, "incident_status": "unresolved,in_progress,resolved"},
             lambda d: (self.assertEqual(3, len(d)), self.assertTrue(all(x["ruleInfo"]["name"] for x in d)))),
        ]
        seen = {"get_agents", "get_agent_count", "list_all_threats", "get_threat_details", "get_sites", "get_groups"}
        for operation, params, check in ops:
            with self.subTest(version=version, operation=operation):
                check(self.run_op(conn, config, operation, params))
                seen.add(operation)
        for operation, params, check in only21:
            with self.subTest(version=version, operation=operation):
                if version == "2.1":
                    check(self.run_op(conn, config, operation, params))
                else:
                    with server_env(), self.assertRaises(engine.ConnectorError) as ctx:
                        conn._handle_operation({"config": config, "operation": operation, "params": params})
                    self.assertIn(operation + " needs SentinelOne API 2.1", str(ctx.exception))
                seen.add(operation)
        seen |= self.check_hunt(conn, config, version, a, t)
        with open(os.path.join(STACK.dir, "bundle", "sentinelone", "info.json")) as f:
            names = {op["operation"] for op in json.load(f)["operations"]}
        self.assertEqual(names, seen)

    def check_hunt(self, conn, config, version, a, t):
        """The hunting and collection operations; the 2.1-only ones fail clearly on 2.0."""
        rng = {"from_date": "2025-01-01T00:00:00Z", "to_date": "2027-01-01T00:00:00Z"}
        run = self.run_op(conn, config, "run_query", dict(rng, query='EventType = "DNS Resolved"', limit=5))
        self.assertEqual("FINISHED", run["response_state"])
        self.assertEqual(5, run["count"])
        qid = run["query_id"]
        self.assertTrue(self.run_op(conn, config, "get_query_status", {"query_id": qid})["finished"])
        self.assertEqual(5, self.run_op(conn, config, "get_events", {"query_id": qid, "limit": 5})["count"])
        self.assertTrue(self.run_op(conn, config, "get_events_by_type", {"query_id": qid, "event_type": "dns", "limit": 3})["events"])
        started = self.run_op(conn, config, "create_query", dict(rng, query='EventType = "IP Connect"'))
        cancel = self.run_op(conn, config, "cancel_running_query", {"query_id": started["query_id"]})
        self.assertIn(cancel["response_state"], ("QUERY_CANCELLED", "FINISHED"))
        pw = "Shim-Zip-Pass-1!"
        got = self.run_op(conn, config, "fetch_files_from_agent",
                          {"ids": a[4], "files": "/etc/hosts", "password": pw, "download": True})
        self.assertEqual(1, len(got["files"]))
        f = got["files"][0]
        content = base64.b64decode(f["content_base64"])
        self.assertEqual(f["sha256"], hashlib.sha256(content).hexdigest())
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            self.assertIn("contents of /etc/hosts", z.read("etc/hosts", pwd=pw.encode()).decode())
            self.assertIn("manifest.json", z.namelist())
        tf = self.run_op(conn, config, "fetch_threat_file", {"threat_id": t[0], "password": pw})
        self.assertEqual(64, len(tf["file"]["sha256"]))
        seen = {"run_query", "get_query_status", "get_events", "get_events_by_type", "create_query",
                "cancel_running_query", "fetch_files_from_agent", "fetch_threat_file"}
        only21 = ["run_power_query", "get_remote_scripts", "run_remote_script", "get_remote_script_status",
                  "get_remote_script_results", "download_from_cloud"]
        seen.update(only21)
        if version != "2.1":
            for operation, params in (
                    ("run_power_query", dict(rng, query='EventType = "DNS Resolved"')),
                    ("get_remote_scripts", {}),
                    ("run_remote_script", {"ids": a[4], "script_id": "1"}),
                    ("get_remote_script_status", {"parent_task_id": "1"}),
                    ("get_remote_script_results", {"task_ids": "1"}),
                    ("download_from_cloud", {"threat_id": t[0]})):
                with self.subTest(version=version, operation=operation):
                    with server_env(), self.assertRaises(engine.ConnectorError) as ctx:
                        conn._handle_operation({"config": config, "operation": operation, "params": params})
                    self.assertIn(operation + " needs SentinelOne API 2.1", str(ctx.exception))
            return seen
        pq = self.run_op(conn, config, "run_power_query", dict(rng, query='EventType = "DNS Resolved" | columns agentName, dnsRequest', limit=3))
        self.assertEqual(["agentName", "dnsRequest"], pq["columns"])
        self.assertEqual(3, pq["count"])
        scripts = self.run_op(conn, config, "get_remote_scripts", {})["scripts"]
        ran = self.run_op(conn, config, "run_remote_script", {"ids": a[4], "script_id": scripts[0]["id"], "wait_seconds": 30})
        self.assertTrue(ran["finished"])
        status = self.run_op(conn, config, "get_remote_script_status", {"parent_task_id": ran["parent_task_ids"][0]})
        self.assertEqual(["completed"], [x["status"] for x in status["tasks"]])
        res = self.run_op(conn, config, "get_remote_script_results", {"task_ids": status["tasks"][0]["id"], "download": True})
        self.assertEqual(1, len(res["files"]))
        cloud = self.run_op(conn, config, "download_from_cloud", {"threat_id": t[0]})
        self.assertTrue(cloud["file"]["size"] > 0)
        return seen

    def test_files_stored_as_attachments_inside_fortisoar(self):
        """With FortiSOAR's upload utility importable (a stand-in here), each downloaded file
        becomes an attachment: the stand-in gets the exact bytes from a private path, and the
        data carries the IRIs instead of the content."""
        uploads = []

        def upload_file_to_cyops(file_path, filename, name, create_attachment):
            with open(file_path, "rb") as f:
                uploads.append({"path": file_path, "filename": filename, "name": name,
                                "attachment": create_attachment, "content": f.read()})
            n = len(uploads)
            return {"@id": "/api/3/attachments/%d" % n, "file": {"@id": "/api/3/files/%d" % n}}

        builtins = types.ModuleType("connectors.cyops_utilities.builtins")
        builtins.upload_file_to_cyops = upload_file_to_cyops
        pkg = types.ModuleType("connectors.cyops_utilities")
        pkg.builtins = builtins
        conn = new_connector()
        agent = self.run_op(conn, Config.token_v21(), "get_agents", {"limit": 1})[0]["id"]
        plain = self.run_op(conn, Config.token_v21(), "fetch_files_from_agent",
                            {"ids": agent, "files": "/var/log/app.log", "password": "Shim-Zip-Pass-1!", "download": True})
        with mock.patch.dict(sys.modules, {"connectors.cyops_utilities": pkg, "connectors.cyops_utilities.builtins": builtins}):
            data = self.run_op(conn, Config.token_v21(), "fetch_files_from_agent",
                               {"ids": agent, "files": "/var/log/app.log", "password": "Shim-Zip-Pass-1!", "download": True})
        self.assertEqual(1, len(uploads))
        up = uploads[0]
        f = data["files"][0]
        self.assertEqual(f["sha256"], hashlib.sha256(up["content"]).hexdigest())
        self.assertEqual(len(up["content"]), f["size"])
        self.assertTrue(up["attachment"])
        self.assertEqual(f["name"], up["filename"])
        self.assertFalse(up["path"].startswith(os.path.join(tempfile.gettempdir(), f["name"])), "a private directory, not the shared temp path")
        self.assertFalse(os.path.exists(up["path"]), "the private copy is removed")
        self.assertEqual("/api/3/attachments/1", f["attachment_iri"])
        self.assertEqual("/api/3/files/1", f["file_iri"])
        self.assertEqual("", f["content_base64"])
        self.assertTrue(plain["files"][0]["content_base64"], "outside FortiSOAR the content comes back as it is")

    def test_api21_token(self):
        self.check_all(Config.token_v21(), "2.1")

    def test_api20_password(self):
        self.check_all(Config.password_v20(), "2.0")

    def test_warm_inline_call_is_one_sentinelone_request(self):
        conn = new_connector()
        for config in (Config.token_v21(), Config.password_v20()):
            self.run_op(conn, config, "get_agent_count", {})
            for _ in range(3):
                STACK.reset_sim_requests()
                self.run_op(conn, config, "get_agent_count", {})
                self.assertEqual(1, len(STACK.sim_requests()))

    def test_large_list_is_decoded(self):
        agents = self.run_op(new_connector(), Config.token_v21(), "get_agents", {"limit": 1000})
        self.assertEqual(len({a["id"] for a in agents}), len(agents))
        self.assertGreaterEqual(len(agents), 50)


class ErrorsTest(unittest.TestCase):
    def fail_op(self, config, operation, params, url=None):
        conn = new_connector()
        with server_env(url=url), self.assertRaises(engine.ConnectorError) as ctx:
            conn._handle_operation({"config": config, "operation": operation, "params": params})
        return str(ctx.exception)

    def test_bad_param(self):
        msg = self.fail_op(Config.token_v21(), "get_agents", {"limit": "ten"})
        self.assertIn("limit", msg)
        self.assertNotIn("CS-INTEGRATION-5", msg, "FortiSOAR adds the prefix itself")

    def test_bad_configuration_is_named(self):
        config = Config.password_v20()
        config["password"] = ""
        msg = self.fail_op(config, "get_agent_count", {})
        self.assertEqual("invalid configuration: password: is required with username (or give api_token instead)", msg)

    def test_sentinelone_refusal_once(self):
        config = Config.password_v20()
        config["password"] = "not-the-password-31"
        msg = self.fail_op(config, "get_agent_count", {})
        self.assertEqual(1, msg.count("was refused"), msg)
        self.assertEqual(1, msg.count("check the Username and Password"), msg)
        self.assertNotIn("ERROR ::", msg)
        self.assertNotIn("not-the-password-31", msg)

    def test_value_json_cannot_hold_goes_as_text(self):
        import datetime
        msg = self.fail_op(Config.token_v21(), "get_agents", {"limit": datetime.date(2024, 1, 2)})
        self.assertIn('limit: must be a whole number written in decimal digits, got "2024-01-02"', msg)

    def test_unknown_operation(self):
        msg = self.fail_op(Config.token_v21(), "reboot_agent", {})
        self.assertIn('no operation "reboot_agent"', msg)

    def test_server_down_names_the_unit(self):
        msg = self.fail_op(Config.token_v21(), "get_agents", {}, url="http://127.0.0.1:%d" % harness.free_port())
        self.assertIn("not running", msg)
        self.assertIn("systemctl start cyops-connector-sentinelone", msg)

    def test_wrong_token(self):
        bad = os.path.join(STACK.dir, "bad-token")
        with open(bad, "w") as f:
            f.write("wrong-token-0123456789abcdef")
        conn = new_connector()
        with server_env(token_file=bad), self.assertRaises(engine.ConnectorError) as ctx:
            conn.execute(Config.token_v21(), "get_agent_count", {})
        self.assertIn("refused the bearer token", str(ctx.exception))
        self.assertNotIn("wrong-token", str(ctx.exception))


class HealthTest(unittest.TestCase):
    def verify(self, config, active=True, url=None):
        with server_env(url=url):
            return new_connector().verify_health(config, active)

    def test_available(self):
        for config in (Config.token_v21(), Config.password_v20()):
            self.assertEqual({"status": "Available", "message": "Connector is available"}, self.verify(config))

    def test_wrong_password(self):
        config = Config.password_v20()
        config["password"] = "not-the-password-32"
        h = self.verify(config)
        self.assertEqual("Disconnected", h["status"])
        self.assertIn("401", h["message"])
        self.assertNotIn("not-the-password-32", h["message"])

    def test_unreachable_console(self):
        config = Config.token_v21()
        config["host_name"] = "https://127.0.0.1:%d" % harness.free_port()
        h = self.verify(config)
        self.assertEqual("Disconnected", h["status"])
        self.assertTrue(h["message"])

    def test_server_down(self):
        h = self.verify(Config.token_v21(), url="http://127.0.0.1:%d" % harness.free_port())
        self.assertEqual("Disconnected", h["status"])
        self.assertIn("systemctl start cyops-connector-sentinelone", h["message"])

    def test_deactivated(self):
        h = self.verify(Config.token_v21(), active=False, url="http://127.0.0.1:%d" % harness.free_port())
        self.assertEqual("Deactivated", h["status"])

    def test_invalid_configuration(self):
        config = Config.token_v21()
        config["api_token"] = ""
        h = self.verify(config)
        self.assertEqual("Disconnected", h["status"])
        self.assertIn("invalid configuration: api_token: is required", h["message"])


class LocateTest(unittest.TestCase):
    def setUp(self):
        client = importlib.import_module("sentinelone.client")
        self.client = client
        self.dir = tempfile.mkdtemp(dir=STACK.dir)
        self.file = os.path.join(self.dir, "client.conf")
        with open(self.file, "w") as f:
            f.write("# client file\nSENTINELONE_CONNECTOR_URL=%s\nSENTINELONE_CONNECTOR_TOKEN=%s\n"
                    % (STACK.url, harness.SERVER_TOKEN))

    def test_client_file(self):
        with mock.patch.dict(os.environ, {}, clear=True), mock.patch.object(self.client, "CLIENT_FILE", self.file):
            data = new_connector().execute(Config.token_v21(), "get_agent_count", {})
        self.assertGreater(data["count"], 0)

    def test_environment_wins(self):
        s = self.client.locate({"SENTINELONE_CONNECTOR_URL": "http://127.0.0.1:1",
                                "SENTINELONE_CONNECTOR_TOKEN_FILE": STACK.token_file}, self.file)
        self.assertEqual("http://127.0.0.1:1", s.url)
        self.assertEqual(harness.SERVER_TOKEN, s.token)

    def test_default(self):
        s = self.client.locate({}, os.path.join(self.dir, "absent.conf"))
        self.assertEqual("http://127.0.0.1:8787", s.url)
        self.assertIsNone(s.token)

    def test_unreadable_client_file_is_explained(self):
        os.chmod(self.file, 0)
        try:
            if os.access(self.file, os.R_OK):
                self.skipTest("running as root: file modes do not stop reads")
            s = self.client.locate({}, self.file)
            self.assertIn("cannot be read", s.note)
        finally:
            os.chmod(self.file, 0o600)


class TLSTest(unittest.TestCase):
    def test_https_server_with_its_ca(self):
        started = STACK.start_tls_server()
        if not started:
            self.skipTest("openssl is not installed")
        url, cert = started
        conn = new_connector()
        with server_env(url=url), mock.patch.dict(os.environ, {"SENTINELONE_CONNECTOR_CA_FILE": cert}):
            self.assertGreater(conn.execute(Config.token_v21(), "get_agent_count", {})["count"], 0)
        with server_env(url=url), self.assertRaises(engine.ConnectorError) as ctx:
            conn.execute(Config.token_v21(), "get_agent_count", {})
        self.assertIn("failed TLS verification", str(ctx.exception))
        self.assertIn("SENTINELONE_CONNECTOR_CA_FILE", str(ctx.exception))


class LifecycleTest(unittest.TestCase):
    def test_update_logs_out_the_old_session(self):
        conn = new_connector()
        old = Config.password_v20()
        with server_env():
            conn.execute(old, "get_agent_count", {})
            STACK.reset_sim_requests()
            new = dict(old, verify_ssl=False)
            conn.on_update_config(old, new, True)
        paths = [r["path"] for r in STACK.sim_requests()]
        self.assertEqual(["/web/api/v2.0/users/logout"], paths)

    def test_hooks_harmless(self):
        conn = new_connector()
        with server_env(url="http://127.0.0.1:%d" % harness.free_port()):
            conn.on_app_start(Config.token_v21(), True)
            conn.on_add_config(Config.token_v21(), True)
            conn.on_delete_config(Config.token_v21())
            conn.on_activate(Config.token_v21())
            conn.on_deactivate(Config.token_v21())
            conn.teardown(Config.token_v21())
        self.assertIn("could not drop the cached SentinelOne session", LOG.getvalue())


class Trickle(object):
    """A byte stream that hands out at most n bytes per read."""

    def __init__(self, data, n):
        self.data, self.n = data, n

    def read(self, size=-1):
        chunk, self.data = self.data[:self.n], self.data[self.n:]
        return chunk


class DecodeTest(unittest.TestCase):
    def test_chunk_boundaries(self):
        client = importlib.import_module("sentinelone.client")
        items = [{"id": str(i), "name": "hôte-☃-%d" % i, "n": 10 ** i, "f": -1.5e-3}
                 for i in range(30)] + [12345, "x", None, [1, [2]], {}]
        envelopes = [
            {"data": items, "message": "", "operation": "get_agents", "status": "Success"},
            {"data": [], "message": "", "operation": "get_agents", "status": "Success"},
            {"data": {"count": 12}, "message": "", "operation": None, "status": "Success"},
            {"data": None, "message": "CS-INTEGRATION-5: x", "operation": None, "status": "failed"},
        ]
        for env in envelopes:
            for sep in ((",", ":"), (", ", ": ")):
                raw = json.dumps(env, separators=sep, ensure_ascii=False).encode("utf-8")
                for n in (1, 2, 3, 7, 64, 1 << 20):
                    with self.subTest(n=n, sep=sep, data=type(env["data"]).__name__):
                        self.assertEqual(env, client.decode_stream(Trickle(raw, n)))

    def test_deadline(self):
        client = importlib.import_module("sentinelone.client")
        raw = json.dumps({"data": list(range(100)), "status": "Success"}).encode()
        with self.assertRaises(OSError):  # socket.timeout
            client.decode_stream(Trickle(raw, 16), time.monotonic() - 1)
        self.assertEqual(100, len(client.decode_stream(Trickle(raw, 16), time.monotonic() + 60)["data"]))

    def test_truncated_list_fails(self):
        client = importlib.import_module("sentinelone.client")
        raw = b'{"data":[{"id":"1"},{"id":"2"'
        with self.assertRaises(ValueError):
            client.decode_stream(Trickle(raw, 5))
        with self.assertRaises(ValueError):
            client.decode_stream(Trickle(b'{"data":[1,2', 3))


class ZSecretsTest(unittest.TestCase):
    """Runs last (unittest orders classes by name): no secret in any log."""

    def test_no_secret_in_logs(self):
        with open(STACK.server_log) as f:  # the server writes each line as it logs it
            server = f.read()
        self.assertIn("request", server)
        shim = LOG.getvalue()
        self.assertIn("operation get_agents done", shim)
        for secret in (ADMIN_PASSWORD, ADMIN_TOKEN, harness.SERVER_TOKEN, "not-the-password-31",
                       "not-the-password-32", "wrong-token-0123456789abcdef"):
            self.assertNotIn(secret, server, "server log")
            self.assertNotIn(secret, shim, "shim log")


if __name__ == "__main__":
    unittest.main()

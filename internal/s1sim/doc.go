// Package s1sim simulates a SentinelOne management console for tests and
// demos. It serves /web/api/v2.1/… and /web/api/v2.0/… for everything the
// connector's operations use, from an in-memory, seeded fleet, and shares no
// code with the connector's SentinelOne client.
//
// # Starting it
//
// New returns a *Simulator, an http.Handler (wrap it in httptest.NewServer
// for plain HTTP). Start and StartAt serve it over TLS on a loopback address
// with a freshly generated self-signed certificate (127.0.0.1, ::1,
// localhost); Server.CertPool and Server.Client trust it. Only HTTP/1.1 is
// offered so that dropped connections are real TCP closes.
//
// # Accounts and tokens
//
// Two built-in accounts exist: AdminUser (AdminPassword, AdminAPIToken) may
// do everything; ViewerUser (ViewerPassword, ViewerAPIToken) is read-only and
// gets 403 {"errors":[{"code":4030010,"title":"Insufficient permissions",…}]}
// on every POST action. POST /users/login takes the flat body
// {"username","password"}; POST /users/login/by-api-token takes
// {"data":{"apiToken"}}; both answer {"data":{"token":"…"}}. Session tokens
// go in "Authorization: Token <t>" and live Options.TokenTTL (default 1h);
// API tokens go in "Authorization: ApiToken <t>" and never expire. A session
// token sent as ApiToken, or an API token sent as Token, is rejected. A
// missing, bad or expired token gives 401
// {"errors":[{"code":4010010,"title":"Authentication Failed","detail":null}]}.
// POST /users/logout ends the session of the token used. GET /system/info
// needs a token; GET /system/status does not.
//
// Options.LoginInterval (off by default; ConsoleLoginInterval is the
// documented 1 s) allows one call to either login endpoint per source
// address per interval; a call sooner gets 429 {"errors":[{"code":4290010,…}]}
// with Retry-After (the seconds left, rounded up) and does not restart the
// interval. It is off by default because test suites log in many times a
// second against one simulator.
//
// Credentials are checked before anything else: a request without valid
// credentials gets 401 whatever is wrong with its query or body, a
// read-only user gets 403 on a write whatever its body, and only then is
// the request validated (400).
//
// # Objects
//
// Agents, threats (v2.1 nested and v2.0 flat), their threatInfo,
// agentRealtimeInfo, agentDetectionInfo, mitigationStatus items,
// containerInfo and kubernetesInfo, applications, processes, passphrases,
// hash reputation and verdict and system info carry the keys that real
// SentinelOne answers and the 2.1 schema carry, with the same JSON types
// (null where a console sends null, e.g. osUsername off Windows or
// containerInfo outside containers), and seeded values that agree with
// each other. The key lists are kept, keys and JSON types only, in
// testdata/shapes/<kind>.<source>.json, from these sources:
//
//   - xsoar: demisto/content, Packs/SentinelOne/Integrations/SentinelOne-V2/
//     test_data/agents_raw_response.json, get_threats_2_1_raw_response.json
//     and get_threats_2_0_raw_response.json (recorded v2.1 agent, v2.1 and
//     v2.0 threats);
//   - rapid7: rapid7/insightconnect-plugins, plugins/sentinelone/unit_test/
//     responses/apps_by_agent_ids_success.json.resp (applications);
//   - spec: Dirt-Diver/s1-api, the Swagger-generated 2.1 schemas in
//     api/docs (AgentsSchemasAgentViewSchemaMany200Data.md,
//     ThreatsSchemasThreatSchemaMany200*.md,
//     AgentsSchemasAgent{Applications,Processes,Passphrase}SchemaMany200Data.md,
//     HashesSchemasHash{Reputation,Verdict}Schema200Data.md,
//     SystemSystemInfoSchema200Data.md).
//
// Where the sources disagree the simulator follows the schema and the
// recorded type of the other source: firewallEnabled and isUpToDate are
// booleans although XSOAR's agent has the string "True".
//
// An agent's activeThreats is the number of its threats that are active
// (mitigation status not_mitigated and incident status not resolved);
// infected is activeThreats > 0. Every threat action (mitigate,
// mark-as-benign, analyst-verdict) recounts both for the agents it touched,
// and a threat's agentRealtimeInfo always shows its agent as it is now.
// Scan actions set the scan timestamps (scanStartedAt, scanAbortedAt,
// fullDiskScanLastUpdatedAt); disconnect sets networkQuarantineEnabled and
// connect clears it.
//
// # Agent filters
//
// GET /agents, GET /agents/count and GET /agents/passphrases accept, as
// query parameters: ids; totalMemory (MB), coreCount, cpuCount and
// activeThreats with __lt/__gt/__lte/__gte and __between ("2-8",
// inclusive; totalMemory__between is in GB, as the 2.1 spec states);
// agentVersion with the same operators on dotted versions
// ("2.0.0.0-2.1.5.144"); createdAt, updatedAt, registeredAt,
// lastActiveDate and lastSuccessfulScanDate with __lt/__gt/__lte/__gte
// (ISO-8601) and __between (epoch milliseconds "from-to", inclusive; a null
// date never matches); isActive, infected, isDecommissioned, isUninstalled,
// isPendingUninstall and isUpToDate (each a csv list of booleans, any
// case); computerName__like (case-insensitive substring); and the csv
// lists agentVersions, osTypes, networkStatuses, machineTypes,
// scanStatuses, domains (any case), installerTypes, operationalStates,
// rangerStatuses, remoteProfilingStates, appsVulnerabilityStatuses,
// consoleMigrationStatuses, groupIds, siteIds, accountIds,
// userActionsNeeded, missingPermissions, locationIds and rangerVersions,
// each also in its "not in" form with the suffix Nin (osTypesNin,
// agentVersionsNin, …). idsNin works only with Options.SupportIDsNin. A
// bad value is a 400 naming the key. Every other key is ignored, as
// SentinelOne does. The `filter` object of POST /agents/actions/{action}
// takes the same keys with JSON values: arrays for lists, or a bare
// string, number or bool (a string may hold a csv list). An empty value or
// empty list is treated as if the key were absent.
//
// Pagination: limit (default 10, 1..1000), skip (0..1000), cursor (opaque
// base64 of "agent_id:<id>" or "threat_id:<id>", the last item returned),
// countOnly, and sortOrder=desc (items are ordered by id; other sortBy values
// are ignored, except GET /threats?sortBy=updatedAt: ordered by updatedAt, ties
// by id, its cursor naming the last (updatedAt, id), so a threat updated during
// a walk shows again further on), and GET /cloud-detection/alerts (v2.1 only):
// sortBy alertInfoCreatedAt (or createdAt) orders alerts by createdAt, ties by
// id, its cursor naming the last (key, id), so an alert that becomes visible
// late with an earlier createdAt is behind a running walk; an unknown sortBy
// is a 400. Its filters: ids, siteIds, accountIds, incidentStatus and
// analystVerdict (upper case, other values 400), severity, ruleName__contains,
// createdAt__ and reportedAt__ bounds. Out-of-range values give 400
// {"errors":[{"code":4000010,"title":"Validation Error","detail":"…"}]}.
// pagination.totalItems counts every match; pagination.nextCursor is null on
// the last page. When both cursor and skip are sent, the cursor wins and skip
// is ignored.
//
// # Agent actions
//
// POST /agents/actions/{disconnect|connect|decommission|uninstall|shutdown|
// broadcast|initiate-scan|abort-scan|fetch-logs} with {"filter":{…},"data":{…}}
// acts on every matched agent and answers {"data":{"affected":N}}. A missing
// filter is a 400; an empty filter {} matches the whole fleet. Effects:
// disconnect sets networkStatus "disconnected", connect "connected";
// decommission sets isDecommissioned (and clears isActive); uninstall sets
// isPendingUninstall; shutdown sets Agent.ShutdownRequested (and clears
// isActive); broadcast (data.message, 1..140 characters, required) appends
// to Agent.Messages; initiate-scan sets scanStatus "started", abort-scan
// "aborted"; fetch-logs increments Agent.LogsRequested. The legacy
// POST /agents/{id}/recommission answers {"data":{"success":true}} and clears
// isDecommissioned; an unknown id, or Options.DisableRecommission, gives 404.
//
// # Threats
//
// GET /threats filters: ids, contentHashes, agentIds, initiatedBy (v2.1
// snake_case or v2.0 camelCase values), mitigationStatuses (not_mitigated,
// mitigated, marked_as_benign), analystVerdicts, incidentStatuses,
// confidenceLevels, classifications, classificationSources, engines and
// detectionEngines (engine keys), and the agent's osTypes, osNames,
// agentMachineTypes, agentVersions, siteIds, groupIds and accountIds, each
// also with the suffix Nin; createdAt and updatedAt with
// __lt/__gt/__lte/__gte (ISO-8601); resolved; and a case-insensitive
// substring of the threat name: displayName on v2.1, displayName__like on
// v2.0 (each version ignores the other key). v2.1 objects are nested (threatInfo, agentRealtimeInfo,
// agentDetectionInfo, mitigationStatus[]), v2.0 objects flat (fileContentHash,
// mitigationReport, markedAsBenign, fromScan, camelCase initiatedBy…); both
// render the same Threat. POST /threats/mitigate/{kill|quarantine|remediate|
// un-quarantine|rollback-remediation} appends to Threat.Actions and sets the
// mitigation status (mitigated, or not_mitigated for the last two);
// quarantine sets and un-quarantine clears inQuarantine. An unknown action
// is 404. POST /web/api/v2.0/threats/mark-as-benign sets MarkedAsBenign,
// status marked_as_benign and verdict false_positive; POST
// /web/api/v2.1/threats/analyst-verdict sets the verdict (one of undefined,
// true_positive, false_positive, suspicious; else 400) and MarkedAsBenign
// exactly when it is false_positive. Each is 404 on the other version.
//
// # Other reads
//
// GET /agents/applications?ids= (required) lists installed applications;
// GET /agents/processes?ids= is always [] on v2.1 (obsolete) and lists
// processes on v2.0. GET /hashes/{sha1}/reputation answers {"rank":"N"} for
// a known threat hash, {} for an unknown one and 400 for a malformed hash.
// GET /web/api/v2.1/hashes/{sha1 or sha256}/verdict answers
// {"verdict":"malicious"} for a rank of 5 to 10, "non-malicious" for 1 to
// 4 and "unknown" for a hash the console has not seen.
//
// # Faults
//
// Faults apply to every request outside /_sim/, in this order: Latency is
// waited; Down answers 503 (the simulator chose 503 over a drop so clients
// can tell "down" from "flaky"); DropNext, then DropRate, close the
// connection without a response; FailNext answers FailStatus (default 500);
// RateLimitEvery answers every N-th request reaching it with 429 and
// Retry-After (RetryAfter rounded up to whole seconds, default 1); ErrorRate
// answers ErrorStatus (default 500). Rates draw from an RNG seeded by
// Options.Seed, so a run is repeatable. TokenTTL, when set, overrides the
// session lifetime for every session, including existing ones. SetFaults
// replaces all knobs and restarts the rate-limit count; Faults shows the
// remaining FailNext and DropNext. Faulted and dropped requests are logged.
//
// # Control endpoint
//
// Outside the API prefix, neither logged nor faulted:
//
//	GET    /_sim/faults          current Faults as JSON, durations as "250ms"
//	PUT    /_sim/faults          replace Faults (absent keys are zero)
//	POST   /_sim/expire-tokens   invalidate every session token
//	GET    /_sim/requests        the request log as JSON
//	DELETE /_sim/requests        empty the request log
//	POST   /_sim/reset           fresh fleet from the same seed
//	POST   /_sim/threats         {"add":N,"update":M,"at":ISO,"created_before_seconds":S,
//	                             "verdict","status","mitigation"}: add N threats and update
//	                             the first M by id, all stamped at (ties), created S earlier
//	POST   /_sim/alerts          {"add":N,"update":M,"at":ISO,"created_before_seconds":S,
//	                             "verdict","status"}: raise N alerts visible at at, created S
//	                             earlier (one createdAt: ties), and change the first M by id
//
// The control endpoint refuses, with a 400 naming the key and without
// changing anything: a PUT /_sim/faults key that is not exactly a fault
// name ("latncy", "FailNext"), a value of the wrong type or out of range
// (a negative duration, a rate outside 0..1, a status outside 400..599), a
// body that is not one JSON object; any query parameter; and any body key
// on the calls that take none (an empty body or {} is fine).
//
// # Request log
//
// Requests returns method, path, raw query, body and auth scheme of every
// API request. The values of "password", "apiToken" and "token" keys in a
// body are replaced by "REDACTED", so secrets never leave the simulator.
//
// # Choices the simulator had to make
//
// No source confirms these SentinelOne behaviours; the simulator picks one:
// the exact 400/404/405/429/503 codes and titles (4000010 "Validation
// Error", 4040010 "Not Found", 4050010, 4290010, 5030010); Retry-After on 429;
// cursor-over-skip precedence; the cursor encoding; case-insensitive boolean
// values; whether displayName is a substring match; idsNin support (off by
// default); that an empty action filter acts on everything; that an empty
// list value is ignored; the session-token TTL; that recommission exists
// (1.x only); that broadcast reaches Linux agents too; that
// decommissioned agents are listed unless filtered out; which threats are
// active (not mitigated and not resolved); that the login limit counts
// /users/login/by-api-token too and refused calls do not count; that
// range bounds may come high to low; that totalMemory__between is in GB;
// that agentDecommissionedAt is true for a decommissioned agent and null
// otherwise (as recorded); that the hash verdict exists on v2.1 only and
// answers "unknown" for an unseen hash; that createdAt__between and the
// other __between filters apply to agents only (the 2.1 threat spec lists
// none).
//
// Slices, maps and pointers inside returned Agent and Threat values
// (Messages, NetworkInterfaces, Actions, CloudProviders, the nullable
// fields) are shared with the simulator; do not modify what they point to.
package s1sim

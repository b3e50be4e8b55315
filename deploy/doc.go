// Package deploy holds the packaging of the connector server: the nfpm configuration of
// the cyops-connector-sentinelone RPM (nfpm.yaml), the systemd unit, the environment
// file, the logrotate file, the RPM scriptlets and the CI packaging check
// (ci-check.sh), and the two READMEs: server-README.md (the RPM's, about the installed
// server) and bundle-README.md (the import bundle's). Its tests check those files;
// deploy/bundle builds the FortiSOAR import bundle, whose connector.py and client.py live in
// deploy/bundle/python with their Python tests.
package deploy

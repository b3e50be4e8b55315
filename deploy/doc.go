// Package deploy holds the packaging of the connector server: the nfpm configuration of
// the cyops-connector-sentinelone RPM (nfpm.yaml), the systemd unit, the environment
// file, the logrotate file, the RPM scriptlets and the CI packaging check
// (ci-check.sh). Its tests check those files; deploy/bundle builds the FortiSOAR import
// bundle.
package deploy

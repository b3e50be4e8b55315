#!/usr/bin/env bash
# Packaging check: builds the binary, the cyops-connector-sentinelone RPM and the
# FortiSOAR import bundle, then inspects both. Installs rpm, rpmlint and cpio with
# apt-get when they are missing (needs root on Debian/Ubuntu).
#
#   bash deploy/ci-check.sh            # from anywhere; writes into dist/
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
NAME=cyops-connector-sentinelone
VERSION=1.1.0
RELEASE=1
DIST=dist
BINARY=sentinelone-connector

export GOARCH="${GOARCH:-$($GO env GOARCH)}"
case "$GOARCH" in
amd64) ARCH=x86_64 ;;
arm64) ARCH=aarch64 ;;
*) ARCH=$GOARCH ;;
esac
RPM_FILE="$DIST/$NAME-$VERSION-$RELEASE.$ARCH.rpm"
BUNDLE="$DIST/sentinelone-$VERSION.tgz"

failures=0
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok   %s\n' "$*"; }
fail() {
	printf 'FAIL %s\n' "$*"
	failures=$((failures + 1))
}
# expect NAME WANT GOT: compares two strings.
expect() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		fail "$1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/     /' || true
	fi
}
# contains NAME NEEDLE HAYSTACK
contains() {
	if grep -qF -- "$2" <<<"$3"; then ok "$1"; else fail "$1: missing '$2'"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "tools"
missing=()
for tool in rpm rpmlint rpm2cpio cpio; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing rpm rpmlint cpio (missing: ${missing[*]})"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq rpm rpmlint cpio >/dev/null
fi
rpm --version
rpmlint --version | head -n 1

step "build"
mkdir -p "$DIST"
rm -f "$RPM_FILE" "$BUNDLE"
$GO build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$DIST/$BINARY" "./cmd/$BINARY"
# The RPM ships the bundle, so the bundle is built first.
$GO run ./deploy/bundle -out "$DIST/"
$GO tool nfpm package --config deploy/nfpm.yaml --packager rpm --target "$DIST/"
ls -l "$RPM_FILE" "$BUNDLE"

step "rpm metadata"
expect "name version release arch" "$NAME $VERSION $RELEASE $ARCH" \
	"$(rpm -qp --qf '%{NAME} %{VERSION} %{RELEASE} %{ARCH}' "$RPM_FILE")"
expect "requires" "$(printf '%s\n' logrotate shadow-utils systemd)" \
	"$(rpm -qpR "$RPM_FILE" | grep -v '^rpmlib(' | sort)"
contains "changelog" "$VERSION-$RELEASE" "$(rpm -qp --changelog "$RPM_FILE")"

step "rpm scriptlets"
scripts=$(rpm -qp --scripts "$RPM_FILE")
contains "%pre" "preinstall scriptlet" "$scripts"
contains "%pre creates the user" "useradd -r -g \"\$group\" -d \"\$home\" -M -s \"\$nologin\"" "$scripts"
contains "%post" "postinstall scriptlet" "$scripts"
contains "%preun" "preuninstall scriptlet" "$scripts"
# shellcheck disable=SC2016 # the scriptlet's own text, not expanded here
contains "%preun stops and disables on removal" 'systemctl --no-reload disable --now "$unit"' "$scripts"
contains "%postun" "postuninstall scriptlet" "$scripts"
# shellcheck disable=SC2016
contains "%postun restarts on upgrade" 'systemctl try-restart "$unit"' "$scripts"
# Only daemon-reload, try-restart and disable may be called: install never starts or
# enables the service.
others=$(grep -E '^[[:space:]]*systemctl ' <<<"$scripts" |
	grep -vE 'systemctl (daemon-reload|try-restart|--no-reload disable --now) ' || true)
if [ -n "$others" ]; then
	fail "scriptlets call other systemctl commands: $others"
else
	ok "scriptlets never start or enable the service"
fi

step "rpm files"
share=/usr/share/$NAME
want_files=$(
	{
		printf '%s\n' /etc/$NAME /etc/$NAME/connector.env /etc/$NAME/api-token /etc/$NAME/client.conf \
			/etc/logrotate.d/$NAME "$share/sentinelone-$VERSION.tgz" \
			/usr/bin/$BINARY /usr/lib/systemd/system/$NAME.service \
			"$share" "$share/info.json" "$share/images" "$share/schemas" "$share/playbooks" \
			/usr/share/doc/$NAME/README.md /var/lib/$NAME /var/log/cyops/cyops-integrations
		for f in images/*.png; do echo "$share/$f"; done
		for f in schemas/*.json playbooks/*.json; do echo "$share/$f"; done
	} | LC_ALL=C sort
)
expect "file list" "$want_files" "$(rpm -qlp "$RPM_FILE" | LC_ALL=C sort)"

# mode owner group path, for the entries whose attributes matter.
attrs=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]' "$RPM_FILE")
for want in \
	"-rwxr-xr-x root root /usr/bin/$BINARY" \
	"drwxr-xr-x root root /etc/$NAME" \
	"-rw-r----- root root /etc/$NAME/api-token" \
	"-rw-r----- root root /etc/$NAME/client.conf" \
	"-rw-r--r-- root root $share/sentinelone-$VERSION.tgz" \
	"-rw-r----- root cyops-sentinelone /etc/$NAME/connector.env" \
	"-rw-r--r-- root root /etc/logrotate.d/$NAME" \
	"drwxr-x--- cyops-sentinelone cyops-sentinelone /var/lib/$NAME" \
	"drwxrwxr-x root cyops-sentinelone /var/log/cyops/cyops-integrations" \
	"-rw-r--r-- root root /usr/lib/systemd/system/$NAME.service" \
	"-rw-r--r-- root root $share/info.json" \
	"-rw-r--r-- root root $share/playbooks/playbooks.json"; do
	if grep -qxF -- "$want" <<<"$attrs"; then ok "attrs $want"; else fail "attrs: want '$want'"; fi
done

expect "config files (rpm -qcp)" "$(printf '%s\n' /etc/$NAME/connector.env /etc/logrotate.d/$NAME)" \
	"$(rpm -qcp "$RPM_FILE" | LC_ALL=C sort)"
flags=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$RPM_FILE")
for want in "/etc/$NAME/connector.env cn" "/etc/logrotate.d/$NAME cn" "/usr/share/doc/$NAME/README.md d" \
	"/etc/$NAME/api-token g" "/etc/$NAME/client.conf g"; do
	if grep -qxF -- "$want" <<<"$flags"; then ok "flags $want"; else fail "flags: want '$want'"; fi
done

step "install into a scratch root"
root="$tmp/root"
mkdir -p "$root"
rpmq() { rpm --root "$root" --dbpath /var/lib/rpm "$@"; }
rpmq -i --nodeps --noscripts "$RPM_FILE" 2>&1 | grep -vE 'does not exist - using root|Alien|assuming you know' || true
expect "installed" "$NAME-$VERSION-$RELEASE.$ARCH" "$(rpmq -q "$NAME")"
expect "installed binary runs" "sentinelone-connector $VERSION" \
	"$("$root/usr/bin/$BINARY" version | cut -d' ' -f1-2)"
expect "connector.env mode" "640" "$(stat -c %a "$root/etc/$NAME/connector.env")"
expect "state dir mode" "750" "$(stat -c %a "$root/var/lib/$NAME")"
expect "installed bundle is the built one" "$(sha256sum <"$BUNDLE")" "$(sha256sum <"$root$share/sentinelone-$VERSION.tgz")"
contains "installed README describes the server" "systemctl enable --now $NAME" "$(cat "$root/usr/share/doc/$NAME/README.md")"
# What %post does (scripts are off in the scratch root): setup-client creates the token and
# the client file with mode 0640, and a second run keeps them.
"$root/usr/bin/$BINARY" setup-client --dir "$root/etc/$NAME" --env-file "$root/etc/$NAME/connector.env" --service-group root --client-groups root >/dev/null
expect "api-token mode" "640" "$(stat -c %a "$root/etc/$NAME/api-token")"
expect "client.conf mode" "640" "$(stat -c %a "$root/etc/$NAME/client.conf")"
before=$(sha256sum "$root/etc/$NAME/client.conf")
"$root/usr/bin/$BINARY" setup-client --dir "$root/etc/$NAME" --env-file "$root/etc/$NAME/connector.env" --service-group root --client-groups root >/dev/null
expect "setup-client keeps an existing client.conf" "$before" "$(sha256sum "$root/etc/$NAME/client.conf")"

# Upgrade to a rebuilt release 2: the changed connector.env and the state stay.
sed "s/^release: \"$RELEASE\"/release: \"2\"/" deploy/nfpm.yaml >"$tmp/nfpm-r2.yaml"
$GO tool nfpm package --config "$tmp/nfpm-r2.yaml" --packager rpm --target "$tmp/" >/dev/null
echo "CONNECTOR_LISTEN=127.0.0.1:9999" >>"$root/etc/$NAME/connector.env"
echo state >"$root/var/lib/$NAME/store.db"
rpmq -U --nodeps --noscripts "$tmp/$NAME-$VERSION-2.$ARCH.rpm" 2>&1 | grep -vE 'does not exist - using root|Alien|assuming you know' || true
expect "upgraded" "$NAME-$VERSION-2.$ARCH" "$(rpmq -q "$NAME")"
contains "upgrade keeps changed connector.env" "CONNECTOR_LISTEN=127.0.0.1:9999" "$(cat "$root/etc/$NAME/connector.env")"
if [ -e "$root/etc/$NAME/connector.env.rpmnew" ]; then
	fail "unchanged packaged connector.env must not give an .rpmnew"
else
	ok "no .rpmnew for an unchanged packaged connector.env"
fi

# Removal keeps the changed configuration (as .rpmsave) and the state.
rpmq -e --nodeps --noscripts "$NAME" 2>&1 | grep -vE 'does not exist - using root|Alien|assuming you know' || true
if rpmq -q "$NAME" >/dev/null 2>&1; then fail "package still installed after rpm -e"; else ok "removed"; fi
if [ -f "$root/etc/$NAME/connector.env.rpmsave" ]; then ok "removal keeps changed connector.env as .rpmsave"; else fail "connector.env.rpmsave missing after removal"; fi
if [ -f "$root/var/lib/$NAME/store.db" ]; then ok "removal keeps the state directory"; else fail "state lost on removal"; fi
if [ -e "$root/usr/bin/$BINARY" ]; then fail "binary left after removal"; else ok "binary removed"; fi

step "rpmlint"
# rpmlint unpacks with `rpm2cpio | cpio -id`; the payload paths are absolute, so cpio
# is wrapped to keep the files inside rpmlint's temporary directory.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec %s --no-absolute-filenames "$@"\n' "$(command -v cpio)" >"$tmp/bin/cpio"
chmod 0755 "$tmp/bin/cpio"
lint=$(PATH="$tmp/bin:$PATH" rpmlint -r deploy/rpmlintrc "$RPM_FILE" 2>&1) || true
grep -E ': (W|E): ' <<<"$lint" || true
grep -E 'packages and .* checked' <<<"$lint" || true
if grep -qE ': E: ' <<<"$lint"; then
	fail "rpmlint reports errors"
else
	ok "rpmlint: no errors"
fi

step "bundle"
list=$(tar -tzf "$BUNDLE")
printf '%s\n' "$list"
expect "one top folder" "sentinelone" "$(cut -d/ -f1 <<<"$list" | sort -u)"
for want in sentinelone/connector.py sentinelone/client.py sentinelone/info.json sentinelone/README.md \
	sentinelone/images/ sentinelone/playbooks/playbooks.json; do
	if grep -qxF -- "$want" <<<"$list"; then ok "bundle has $want"; else fail "bundle lacks $want"; fi
done
for icon in $(grep -oE '"icon_(small|large)_name": *"[^"]+"' info.json | sed -E 's/.*"([^"]+)"$/\1/'); do
	if grep -qxF -- "sentinelone/images/$icon" <<<"$list"; then ok "bundle has icon $icon"; else fail "bundle lacks icon $icon"; fi
done
expect "bundle info.json is the repository's" "$(sha256sum <info.json)" \
	"$(tar -xzOf "$BUNDLE" sentinelone/info.json | sha256sum)"
modes=$(tar -tvzf "$BUNDLE" | awk '{print $1, $2}' | sort -u)
expect "bundle modes and owner" "$(printf '%s\n' '-rw-r--r-- root/root' 'drwxr-xr-x root/root')" "$modes"

step "result"
if [ "$failures" -gt 0 ]; then
	echo "packaging check: $failures failed"
	exit 1
fi
echo "packaging check: all passed"

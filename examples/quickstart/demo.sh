#!/bin/sh
# The quickstart demo, run by `make demo` with the tack binary (and
# tack-provider-local beside it) as $1: deliver v1 of a small HTTP service
# to three processes behind a load balancer, v2 by red/black, a broken v3
# that the health gate rolls back while v2 keeps serving, then destroy it
# all. It works in a scratch copy under bin/quickstart, and fails on any
# result it does not expect, destroying what it made first.
#
# DEMO_PORT (default 8080) is the load balancer's port on 127.0.0.1, for a
# machine where 8080 is taken: make demo DEMO_PORT=18080. GO is the go
# command that builds the app.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 path/to/tack" >&2; exit 2; }
tackbin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$tackbin")/quickstart
port=${DEMO_PORT:-8080}
url=http://127.0.0.1:$port/

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
fail() { printf '\ndemo failed: %s\n' "$*" >&2; exit 1; }
# tack shows each command as a user would type it, then runs it.
tack() { printf '$ tack %s\n' "$*"; "$tackbin" "$@"; }

command -v curl >/dev/null || fail "curl is needed to call the service (Debian: apt-get install curl)"
command -v pgrep >/dev/null || fail "pgrep is needed to check that no process is left (Debian: apt-get install procps)"
case $port in '' | *[!0-9]*) fail "DEMO_PORT=$port is not a port number" ;; esac

# answers VERSION checks that the service, through the load balancer,
# answers VERSION, and shows the call.
answers() {
	printf '$ curl -s %s\n' "$url"
	got=$(curl -sS --max-time 5 "$url") || fail "the service did not answer on $url"
	printf '%s\n' "$got"
	[ "$got" = "$1" ] || fail "the service answered \"$got\", want \"$1\""
}

# traffic FILE calls the service in the background, about ten times a
# second, until stop_traffic, writing one line per call to FILE: the
# version that answered, or "failed" for an error or a non-2xx answer.
traffic() {
	rm -f "$work/stop-traffic"
	(while [ ! -f "$work/stop-traffic" ]; do
		curl -sf --max-time 2 "$url" || echo failed
		sleep 0.1
	done >"$1") &
	watcher=$!
}
# stop_traffic FILE WANT... stops the calls and checks that none failed
# and that each answered one of WANT.
stop_traffic() {
	log=$1
	shift
	touch "$work/stop-traffic"
	wait "$watcher"
	watcher=
	summary=
	for v in "$@"; do summary="$summary, $(grep -cx "$v" "$log" || true) $v"; done
	echo "Meanwhile $(wc -l <"$log" | tr -d ' ') calls to $url answered:${summary#,}, and $(grep -cx failed "$log" || true) failed."
	[ -s "$log" ] || fail "no call to the service was made during the deployment"
	printf '%s\n' "$@" >"$log.want"
	unexpected=$(grep -vxF -f "$log.want" "$log" | sort | uniq -c || true)
	[ -z "$unexpected" ] || fail "calls during the deployment got answers other than $*:
$unexpected"
}

# A demo that was interrupted last time may have left its services
# running: destroy them before the scratch copy is replaced.
if [ -f "$work/tack.state.json" ]; then
	# The providers were just rebuilt: record their new checksums first.
	(cd "$work" && "$tackbin" init -upgrade >/dev/null 2>&1 && "$tackbin" destroy -auto-approve >/dev/null 2>&1) ||
		fail "could not destroy what an earlier demo left in $work; run tack destroy there by hand"
fi
# Free means nothing accepts a connection: curl's status 7.
status=0
curl -s -o /dev/null --max-time 2 "$url" || status=$?
[ "$status" -eq 7 ] || fail "something already listens on 127.0.0.1:$port; choose another port: make demo DEMO_PORT=18080"

# Instances of the app that run before the demo are not the demo's.
before=$(pgrep -x quickstart || true)

step "build the app into a scratch copy of examples/quickstart ($work)"
rm -rf "$work" && mkdir -p "$work"
cp "$here/main.tack.hcl" "$work/"
(cd "$here" && "${GO:-go}" build -o "$work/quickstart" ./app)
cd "$work"
export TACK_VAR_port="$port"
echo "The load balancer will listen on 127.0.0.1:$port (TACK_VAR_port=$port)."

# From here on, an unexpected result destroys what the demo made, so that
# no process is left running.
made=
watcher=
cleanup() {
	status=$?
	trap - EXIT INT TERM
	if [ -n "$watcher" ]; then
		touch "$work/stop-traffic"
		wait "$watcher" || true
	fi
	if [ "$status" -ne 0 ] && [ -n "$made" ]; then
		step "cleaning up after the failure: tack destroy"
		"$tackbin" destroy -auto-approve || echo "tack destroy failed too: run it by hand in $work" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "tack init: find the local provider and lock its checksum"
tack init

step "deliver v1: a load balancer and a cluster of three instances"
made=1
tack apply -auto-approve
answers v1

step "plan v2: a red/black deployment, step by step"
status=0
tack plan -var version=v2 -out=v2.plan -detailed-exitcode || status=$?
[ "$status" -eq 2 ] || fail "tack plan exited with status $status, want 2 (changes to apply)"

step "apply the plan as reviewed: v2 starts beside v1, takes the traffic, and v1 is disabled"
traffic traffic-v2.log
tack apply v2.plan
stop_traffic traffic-v2.log v1 v2
answers v2

step "deliver a broken v3, whose /healthz fails: the health gate stops it and rolls it back"
traffic traffic-v3.log
if tack apply -auto-approve -var version=v3 -var unhealthy=true; then
	fail "tack apply of the broken v3 succeeded; want it rolled back and failed"
fi
echo "tack apply failed, as it should: v3 never took traffic."
stop_traffic traffic-v3.log v2
answers v2

step "v2 still serves, exactly as configured: a plan for v2 has nothing to do"
tack plan -var version=v2 -detailed-exitcode

step "the cluster's history: every deployment, its steps and how long each took"
tack show | sed -n '/^# cluster\./,$p'

step "tack destroy: the cluster's processes and the load balancer"
tack destroy -auto-approve
made=

# Destroy answers once the instances are gone; the platform's supervisor
# exits on its own when it manages nothing, two seconds later.
left=
for pid in $(pgrep -x quickstart || true); do
	case " $(echo $before) " in *" $pid "*) ;; *) left="$left $pid" ;; esac
done
[ -z "$left" ] || fail "instances of the app still run after destroy:$left"
i=0
while pgrep -f "supervise $work/.tack/local" >/dev/null; do
	i=$((i + 1))
	[ "$i" -le 40 ] || fail "the local platform's supervisor still runs 10s after destroy"
	sleep 0.25
done
curl -s -o /dev/null --max-time 2 "$url" && fail "something still answers on $url after destroy"
echo "No process of the demo is left, and nothing listens on 127.0.0.1:$port."

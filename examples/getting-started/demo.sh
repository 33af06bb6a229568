#!/bin/sh
# The getting-started demo: tack's plan/apply workflow on the local
# platform, in a scratch copy of this directory. Run by `make demo`, with
# the tack binary (and tack-provider-local beside it) as $1.
set -eu
tack=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$tack")/demo
rm -rf "$work" && mkdir -p "$work" && cp "$here/main.tack.hcl" "$work/"
cd "$work"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi

step "tack init: find the providers and lock their checksums"
"$tack" init
step "tack plan: what would change"
"$tack" plan -out=first.plan
step "tack apply first.plan: exactly the reviewed plan"
"$tack" apply first.plan
step "a second plan has nothing to do (exit status 0 with -detailed-exitcode)"
"$tack" plan -detailed-exitcode
step "someone edits a file by hand: the plan shows the drift, and the update that undoes it"
echo "edited by hand" > site/replica-1.conf
"$tack" plan -detailed-exitcode || [ $? -eq 2 ]
step "change the configuration: one replica fewer, a new greeting"
"$tack" apply -auto-approve -var replicas=2 -var 'greeting=hello again'
step "tack output"
"$tack" output
step "tack destroy: everything, in reverse dependency order"
"$tack" destroy -auto-approve -var replicas=2
if [ -z "$(ls -A site 2>/dev/null)" ]; then echo "site/ is empty: every file tack made is gone."; else ls site; fi

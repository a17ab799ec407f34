#!/usr/bin/env bash
# make demo: the main job against the built-in Wati sandbox. Needs only Go
# (make builds bin/handoff first). Everything it writes goes to a temporary
# folder that is removed at the end; your own config is never touched.
set -euo pipefail

BIN=$(cd "$(dirname "${1:-bin/handoff}")" && pwd)/$(basename "${1:-bin/handoff}")
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
export HANDOFF_CONFIG_DIR="$WORK/config" HANDOFF_CACHE_DIR="$WORK/cache" HANDOFF_STATE_DIR="$WORK/state"
export HANDOFF_DIR="$REPO/configs/actions" HANDOFF_NO_PROMPT=1
unset HANDOFF_TOKEN HANDOFF_ACCOUNT

SB_PID=
cleanup() {
	[ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null && wait "$SB_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "start the sandbox (a local Wati) on a free port; its people answer handoffs about 2s later, one in five never"
"$BIN" sandbox --addr 127.0.0.1:0 --quiet --json --generate-contacts 20 --reply-after 2s --reply-jitter 0.5 --unanswered 0.2 >"$WORK/sandbox.json" 2>"$WORK/sandbox.log" &
SB_PID=$!
for _ in $(seq 100); do [ -s "$WORK/sandbox.json" ] && break; sleep 0.05; done
URL=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$WORK/sandbox.json")
TOKEN=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$WORK/sandbox.json")
[ -n "$URL" ] || { echo "sandbox did not start:"; cat "$WORK/sandbox.log"; exit 1; }
echo "sandbox at $URL"

step "connect it as the account 'sandbox' (token from stdin) and test it"
printf '%s\n' "$TOKEN" | run "$BIN" account add sandbox --endpoint "$URL" --with-token
run "$BIN" account test sandbox

step "who can take a conversation"
run "$BIN" directory sync --account sandbox
run "$BIN" directory list --account sandbox

step "validate and list the example actions"
run "$BIN" validate "$HANDOFF_DIR"
run "$BIN" action list

step "dry run: the exact requests, token redacted, nothing sent"
run "$BIN" assign escalate-billing --conversation "+1 (415) 555-2671" --dry-run

step "run each example action on a seeded conversation"
run "$BIN" assign escalate-billing    --conversation "+1 (415) 555-2671"
run "$BIN" assign vip-account-manager --conversation 85291234567
run "$BIN" assign start-return        --conversation 5511987654321
run "$BIN" assign back-to-bot         --conversation Sales:447700900123

step "a batch of conversations, with a report"
printf 'target,note\n14155552671,again\n+49 151 12345678,vip\n85291234567,\n' >"$WORK/batch.csv"
run "$BIN" assign escalate-billing --from "$WORK/batch.csv" --report "$WORK/report.jsonl"
echo "report:"; cat "$WORK/report.jsonl"

step "what changed in the sandbox (GET /_sandbox/state)"
if command -v curl >/dev/null; then curl -fsS "$URL/_sandbox/state"; else echo "(curl not installed: open $URL/_sandbox/state)"; fi

step "the audit log"
run "$BIN" log

step "who holds a conversation now (exit 10: a human has it, do not reply)"
run "$BIN" status --conversation 85291234567 || echo "(exit $?)"
run "$BIN" status --conversation 4915112345678 --json || echo "(exit $?)"

step "a batch of handoffs to measure, then Maria hands one back"
printf 'target\n15550000000\n15550000001\n15550000002\n15550000003\n15550000004\n15550000005\n15550000006\n15550000007\n' >"$WORK/more.csv"
run "$BIN" assign escalate-billing --from "$WORK/more.csv"
printf '15550000010\n15550000011\n15550000012\n15550000013\n' >"$WORK/vip.txt"
run "$BIN" assign vip-account-manager --from "$WORK/vip.txt"
run "$BIN" release --conversation 4915112345678 --status solved
run "$BIN" status --conversation 4915112345678 || echo "(exit $?)"

step "time to a human (people answer after about 2s: wait for them)"
sleep 4
REPORT=${HANDOFF_DEMO_REPORT:-$WORK/report.html}
run "$BIN" stats --html "$REPORT"
echo "(the HTML report: $REPORT; set HANDOFF_DEMO_REPORT=FILE to keep it)"

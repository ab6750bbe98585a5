#!/usr/bin/env bash
# Runs ../shared/suites/run (Microsoft's and Okta's public SCIM suites) against fresh lists of a
# Muster started here. Usage: scripts/conformance.sh sqlite|postgres (postgres needs
# MUSTER_TEST_PG_URL, e.g. via scripts/with-postgres.sh). Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-sqlite}"
work="$(mktemp -d /tmp/muster-conf.XXXXXX)"
port=$(( 20000 + RANDOM % 20000 ))
if [[ "$engine" == postgres ]]; then
  : "${MUSTER_TEST_PG_URL:?postgres needs MUSTER_TEST_PG_URL}"
  db="muster_conformance_$RANDOM"
  psql "$MUSTER_TEST_PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  export MUSTER_DATABASE_URL="${MUSTER_TEST_PG_URL%/*}/$db"
else
  export MUSTER_DATABASE_URL="$work/muster.sqlite"
fi
export PORT="$port" MUSTER_DEMO=false MUSTER_LOG_LEVEL=error
node bin/muster.js serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# Microsoft's suite posts every user and group with the same literal externalId ("${__UUID}", a
# JMeter placeholder Postman never expands), so it runs on a list that does not enforce externalId
# uniqueness; Okta's runs on a list with the defaults.
ms=$(node bin/muster.js lists create --name "Conformance (Microsoft)" --uid userName --external-id-unique false --json)
okta=$(node bin/muster.js lists create --name "Conformance (Okta)" --uid userName --json)
field() { node -e 'process.stdout.write(JSON.parse(process.argv[1])[process.argv[2]])' "$1" "$2"; }
status=0
echo "conformance ($engine):"
# Muster answers a User PATCH with 200 and the resource where Microsoft's collection expects 204;
# scripts/conformance-expected.mjs accepts exactly those assertions and fails on any other.
if ! SUITES_OUT="$work/out" ../shared/suites/run "$(field "$ms" scimBaseUrl)" "$(field "$ms" token)" azuread; then
  node scripts/conformance-expected.mjs "$work/out/azuread.json" || { status=1; tail -60 "$work/out/azuread.txt"; }
fi
SUITES_OUT="$work/out" ../shared/suites/run "$(field "$okta" scimBaseUrl)" "$(field "$okta" token)" okta || { status=1; cat "$work/out/okta.txt" | tail -60; }
exit $status

#!/usr/bin/env bash
# Shows the provider doing its job end to end, with no Gcore account: it
# builds the provider, starts the API simulator on loopback, writes a site of
# 250 files and applies examples/demo with `terraform apply`, then deploys a
# change of the site and a new release and applies again, and prints what the
# simulator received. Everything it makes is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

TERRAFORM=${TERRAFORM:-terraform}
KEEP=${KEEP:-}
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -n "$KEEP" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "==> Building the provider and the API simulator"
go build -o "$work/bin/terraform-provider-gcore" .
go build -o "$work/gcore-api-simulator" ./internal/cmd/gcore-api-simulator

echo "==> Starting the API simulator on loopback"
export GCORE_API_KEY="demo-key\$not-a-real-token"
# Limits compressed from minutes to seconds (1/m -> 1/s) so that the demo
# shows rate-limit waits without taking minutes.
# Its purge history reports each purge done 2 seconds after it was accepted,
# listing full URLs as Gcore's API reference shows it.
"$work/gcore-api-simulator" -api-key "$GCORE_API_KEY" -compressed-limits -purge-completion 2s -url-file "$work/url" >"$work/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { cat "$work/simulator.log"; echo "the simulator did not start" >&2; exit 1; }
export GCORE_BASE_URL=$(cat "$work/url")
echo "    $GCORE_BASE_URL"

# Terraform uses the provider just built, not one from the registry.
go run ./internal/cmd/dev-overrides "$work/terraformrc" "gcore-purge/gcore=$work/bin"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# The provider's INFO log tells what the purge scheduler decided: the limits in
# force, which purges share a request, what it waits for.
export TF_LOG_PROVIDER=INFO TF_LOG_PATH="$work/provider.log"
cp examples/demo/main.tf "$work/"
tf() { "$TERRAFORM" -chdir="$work" "$@"; }

# scheduler_log prints what the scheduler logged during the last apply (the
# message of each INFO line, without its fields), then clears the log.
scheduler_log() {
  echo "--- the provider's purge scheduler said:"
  sed -nE 's/.*provider\.terraform-provider-gcore: (.*)$/\1/p' "$TF_LOG_PATH" | sed -E 's/: [@a-z_]+=.*$//' |
    grep -E 'limits in force|request #|waiting|rate limited|purge history' | sed 's/^/    /' || echo "    (nothing: no purge)"
  : >"$TF_LOG_PATH"
}

# A built site: 250 files, with an index document at the root and in docs/.
site="$work/site"
mkdir -p "$site/assets" "$site/docs"
for i in $(seq 0 247); do echo "asset $i v1" >"$site/assets/file$i.js"; done
echo "home v1" >"$site/index.html"
echo "docs v1" >"$site/docs/index.html"
# shown prints what Terraform did, without the plan that lists every file:
# the whole output when the command failed.
shown() {
  if ! "$@" >"$work/terraform.out" 2>&1; then cat "$work/terraform.out"; return 1; fi
  grep -E 'Creat|Modif|Destr|complete|Warning:|Error|purged_url_count =' "$work/terraform.out" || true
}
apply() { shown tf apply -auto-approve -no-color -compact-warnings -var site_dir="$site" "$@"; }

echo "==> terraform apply: the first deploy purges every file of the site"
apply -var release=1.0.0
scheduler_log

echo "==> terraform apply again, nothing changed: nothing is purged"
apply -var release=1.0.0
scheduler_log

echo "==> A deploy: 30 files and the home page change, 2 files go, 1 is new"
for i in $(seq 0 29); do echo "asset $i v2" >"$site/assets/file$i.js"; done
echo "home v2" >"$site/index.html"
rm "$site/assets/file246.js" "$site/assets/file247.js"
echo "new" >"$site/assets/new.js"
echo "--- terraform plan: the URLs the apply will purge, and why (purged_urls in the plan's planned values)"
tf plan -no-color -compact-warnings -var site_dir="$site" -var release=1.0.1 -out="$work/deploy.tfplan" | grep -E 'purged_url_count|^Plan:'
# purged_urls is sensitive, so the human-readable plan shows one line for it;
# `terraform show -json` of the saved plan has every URL. planned_values comes
# first, so the first purged_urls is the planned one.
tf show -json "$work/deploy.tfplan" | grep -oE '"purged_urls":\{[^}]*\}' | sed -n 1p |
  sed -E 's/^"purged_urls":\{//; s/\}$//; s/"//g; s/,/ /g' | fold -s -w 96 | sed 's/^/    /'

echo "==> terraform apply of that plan (release 1.0.1): the changed files, and the release's patterns again"
shown tf apply -no-color -compact-warnings "$work/deploy.tfplan"
scheduler_log

echo "==> What the API simulator received"
cat "$work/simulator.log"

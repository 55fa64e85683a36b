#!/usr/bin/env bash
# Checks every Terraform configuration under examples/: `terraform fmt` finds
# nothing to change, and `terraform validate` accepts it against the provider
# built from this tree.
#
# The provider comes through dev_overrides, from a fresh `go build`, in a CLI
# configuration of our own (any TF_CLI_CONFIG_FILE of the caller is ignored),
# so no `terraform init` is needed. Each example is validated in a copy, so
# nothing is written into examples/.
#
# examples/side-by-side also uses Gcore's official provider (G-Core/gcore),
# which cannot be downloaded here. A dev_override stands in for it too:
# tools/gcore-official-stub, a provider of type "gcore" with only the schema
# that example uses. That checks our side of the arrangement (two
# providers of type "gcore" under different local names, each configured, each
# resource routed to its own) but not the official provider's real schema. To
# show the check can fail, the example is validated once more without its
# `provider = gcorepurge` line, which must then be rejected.
#
# Examples without a required_providers block (examples/resources/*) are
# snippets that rely on the one on the provider's page; their copies get it.
#
# Usage: TERRAFORM=/path/to/pinned/terraform scripts/check-examples.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TERRAFORM:?set TERRAFORM to the pinned Terraform CLI (make examples-check does)}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/provider/terraform-provider-gcore" .
go build -o "$work/official-stub/terraform-provider-gcore" ./tools/gcore-official-stub

go run ./internal/cmd/dev-overrides "$work/terraformrc" \
  "registry.terraform.io/gcore-purge/gcore=$work/provider" "registry.terraform.io/g-core/gcore=$work/official-stub"
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR

echo "terraform fmt -check -recursive examples"
"$TERRAFORM" fmt -check -recursive -diff examples

# validate DIR: validate a copy of DIR, quietly unless it fails.
validate() {
  local dir=$1 copy="$work/configs/$1"
  if [[ ! -d $copy ]]; then
    mkdir -p "$copy"
    cp -R "$dir/." "$copy"
    if ! grep -qs required_providers "$copy"/*.tf; then
      cat >"$copy/required_providers.tf" <<'TF'
terraform {
  required_providers {
    gcore = {
      source = "gcore-purge/gcore"
    }
  }
}
TF
    fi
  fi
  "$TERRAFORM" -chdir="$copy" validate -no-color >"$work/out" 2>&1
}

status=0
for dir in $(find examples -name '*.tf' -not -path '*/.terraform/*' -exec dirname {} \; | sort -u); do
  if [[ $dir == examples/actions/* ]]; then
    # Actions need Terraform 1.14, which cannot be built from the module
    # proxy: these are only formatted (above). TestAccCDNPurgeAction_afterUpload
    # applies the same shape when TF_ACC_TERRAFORM_PATH is a 1.14+ CLI.
    echo "skip $dir (validate needs Terraform 1.14 or later)"
  elif validate "$dir"; then
    echo "ok   $dir"
  else
    echo "FAIL $dir"
    cat "$work/out"
    status=1
  fi
done

# The negative check: without `provider = gcorepurge` the purge goes to the
# official provider, which has no gcore_cdn_purge.
copy="$work/configs/examples/side-by-side"
sed -i '/^[[:space:]]*provider[[:space:]]*=[[:space:]]*gcorepurge[[:space:]]*$/d' "$copy/main.tf"
if validate examples/side-by-side; then
  echo "FAIL examples/side-by-side still validates without provider = gcorepurge: the stub proves nothing"
  status=1
elif grep -q 'does not support resource type "gcore_cdn_purge"' "$work/out"; then
  echo "ok   examples/side-by-side is rejected without provider = gcorepurge"
else
  echo "FAIL examples/side-by-side without provider = gcorepurge failed for another reason:"
  cat "$work/out"
  status=1
fi
exit "$status"

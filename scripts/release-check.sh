#!/usr/bin/env bash
# Checks .goreleaser.yml, then makes a release the way
# .github/workflows/release.yml does, signing included, but as a snapshot for
# this platform only and with a throwaway GPG key, and checks what the
# Terraform Registry relies on:
#
#   - SHA256SUMS carries a valid detached signature (gpg --verify);
#   - SHA256SUMS lists the zip of this platform and the registry manifest, and
#     their checksums match;
#   - the binary is the provider and prints the snapshot's version.
#
# The configuration is .goreleaser.yml with its goos and goarch lists narrowed
# to this platform (the only change), so that the check takes one build, not
# one per platform. Nothing is published.
#
# Usage: GORELEASER=/path/to/pinned/goreleaser scripts/release-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${GORELEASER:?set GORELEASER to the pinned goreleaser (make release-check does)}"
command -v gpg >/dev/null || {
  echo 'gpg is missing: install GnuPG (Debian/Ubuntu: apt-get install gnupg)' >&2
  exit 1
}

# .goreleaser.yml releases to the repository GITHUB_REPOSITORY names, as on
# GitHub Actions; a snapshot publishes nothing, so any name does here.
export GITHUB_REPOSITORY=${GITHUB_REPOSITORY:-release-check/terraform-provider-gcore}

echo "==> goreleaser check"
"$GORELEASER" check

work=$(mktemp -d)
export GNUPGHOME="$work/gnupg"
cleanup() {
  gpgconf --kill gpg-agent 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"

echo "==> A throwaway GPG signing key"
gpg --batch --quiet --passphrase '' \
  --quick-gen-key 'terraform-provider-gcore release-check <release-check@example.invalid>' rsa3072 sign 1d
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')
export GPG_FINGERPRINT
echo "    $GPG_FINGERPRINT"

goos=$(go env GOOS) goarch=$(go env GOARCH)
config="$work/goreleaser.yml"
sed -E \
  -e "s/^(    goos:) \[.*\]$/\1 [$goos]/" \
  -e "s/^(    goarch:) \[.*\]$/\1 [\"$goarch\"]/" \
  .goreleaser.yml >"$config"
if [ "$(grep -cxE "    (goos: \[$goos\]|goarch: \[\"$goarch\"\])" "$config")" != 2 ]; then
  echo "could not narrow .goreleaser.yml to $goos/$goarch: keep its goos and goarch lists on one line each" >&2
  exit 1
fi

echo "==> goreleaser release --snapshot for $goos/$goarch, signed"
"$GORELEASER" release --snapshot --clean --config "$config"

version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' dist/metadata.json)
sums=dist/terraform-provider-gcore_${version}_SHA256SUMS

echo "==> Checking the release"
gpg --batch --verify "$sums.sig" "$sums"

zip=terraform-provider-gcore_${version}_${goos}_${goarch}.zip
manifest=terraform-provider-gcore_${version}_manifest.json
got=$(awk '{ print $2 }' "$sums" | sort)
if [ "$got" != "$(printf '%s\n' "$zip" "$manifest" | sort)" ]; then
  printf 'SHA256SUMS lists:\n%s\nwant: %s and %s\n' "$got" "$zip" "$manifest" >&2
  exit 1
fi
# The release uploads the manifest from the repository, under the name
# SHA256SUMS gives it.
mkdir "$work/assets"
cp "dist/$zip" "$work/assets/"
cp terraform-registry-manifest.json "$work/assets/$manifest"
(cd "$work/assets" && sha256sum --check --strict) <"$sums"

bin=$(find dist -type f -name "terraform-provider-gcore_v$version")
out=$("$bin" -version)
echo "$bin -version: $out"
if [ "$out" != "terraform-provider-gcore $version" ]; then
  echo "want: terraform-provider-gcore $version" >&2
  exit 1
fi
echo "release-check: ok, $sums.sig verified with key $GPG_FINGERPRINT"

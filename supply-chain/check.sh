#!/usr/bin/env bash
# Supply-chain checks with cargo-deny, offline: advisories from the vendored snapshot in
# supply-chain/advisory-db (see README.md there), licenses, bans, sources.
#   bash supply-chain/check.sh           # offline, the snapshot
#   bash supply-chain/check.sh --online  # fetch the full RustSec database instead (needs GitHub)
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_DENY_VERSION=0.20.2
# cargo-deny names the checkout of a database after a hash of its URL.
DB_DIR=target/advisory-dbs/advisory-db-3157b0e258782691

if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
    echo "installing cargo-deny $CARGO_DENY_VERSION"
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --quiet
fi

if [ "${1:-}" = "--online" ]; then
    rm -rf target/advisory-dbs
    exec cargo deny check
fi

# cargo-deny reads `cargo metadata` for every platform; offline, that needs every platform's
# crates in the local registry cache, not only the ones this machine builds.
cargo fetch --locked --quiet

# The snapshot as the git checkout cargo-deny expects (it reads HEAD's date).
rm -rf "$DB_DIR"
mkdir -p "$DB_DIR"
cp -r supply-chain/advisory-db/. "$DB_DIR/"
git -C "$DB_DIR" init -q
git -C "$DB_DIR" add -A
GIT_AUTHOR_DATE="$(cat supply-chain/advisory-db/SNAPSHOT_DATE)" GIT_COMMITTER_DATE="$(cat supply-chain/advisory-db/SNAPSHOT_DATE)" \
    git -C "$DB_DIR" -c user.name=snapshot -c user.email=snapshot@localhost commit -q -m "vendored RustSec snapshot"
cargo deny --offline check

#!/usr/bin/env bash
# Builds the Debian package: target/debian/earshot_<version>-1_<arch>.deb.
#
#   packaging/deb.sh            # profile "dist" (fat LTO; what we ship)
#   PROFILE=release packaging/deb.sh   # quicker build (CI)
#
# Needs cargo-deb (`cargo install cargo-deb --locked`). Builds the binary,
# generates the shell completions and man pages from it (so they match its
# flags), writes the packaged config (the example with the database under
# /var/lib/earshot, where the service may write), then runs `cargo deb`.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-dist}
out=target/packaging
command -v cargo-deb >/dev/null || {
  echo "deb.sh: cargo-deb is not installed; run: cargo install cargo-deb --locked" >&2
  exit 1
}

cargo build --locked --profile "$profile" --bin earshot
# cargo's dev profile builds into target/debug; every other into target/NAME.
dir=$profile
[ "$profile" = dev ] && dir=debug
bin=target/$dir/earshot

rm -rf "$out"
mkdir -p "$out/completions" "$out/man"
"$bin" completions bash > "$out/completions/earshot.bash"
"$bin" completions zsh > "$out/completions/_earshot"
"$bin" completions fish > "$out/completions/earshot.fish"
"$bin" man --dir "$out/man"

# The service's DynamicUser can write only its state directory.
grep -qx 'database = "earshot.db"' config.example.toml || {
  echo "deb.sh: config.example.toml no longer sets database = \"earshot.db\"; fix the substitution below" >&2
  exit 1
}
sed 's#^database = "earshot.db"$#database = "/var/lib/earshot/earshot.db"#' \
  config.example.toml > "$out/earshot.toml"
"$bin" --config "$out/earshot.toml" check > /dev/null

cargo deb --locked --no-build --profile "$profile"

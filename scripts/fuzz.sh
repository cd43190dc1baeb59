#!/usr/bin/env bash
# Runs each cargo-fuzz target for a while (default 60 s each) on the
# committed corpora. Needs the nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves its input in fuzz/artifacts/<target>/: fix the bug, then copy
# the input into fuzz/corpus/<target>/ so `cargo test --test fuzz_corpus`
# keeps it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(bundle_loader rule_loader check_eval period_eval yaml)
fi
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${seconds}s"
    # A scratch corpus folder keeps new inputs out of the committed seeds;
    # -rss_limit_mb bounds memory, as hostile inputs must be bounded too.
    mkdir -p "fuzz/scratch/$t"
    cargo +nightly fuzz run "$t" "fuzz/scratch/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
done

#!/usr/bin/env bash
# Fuzzes one target for a while, starting from its committed seeds. The fuzz tests (ctest -L fuzz)
# call it; so can you, for longer, with any libFuzzer flags after the seconds:
#   tests/fuzz/run.sh build-fuzz/tests/fuzz/fuzz_request 3600
#   tests/fuzz/run.sh build-fuzz/tests/fuzz/fuzz_request 3600 -jobs=2 -workers=2
# New inputs go to a scratch corpus next to the binary (fuzz-work/NAME/corpus, kept between runs),
# never into tests/fuzz/corpus. A crash, leak, timeout or broken property ends the run non-zero
# and leaves the input in fuzz-work/NAME/artifacts; the last lines say how to replay it. One
# allocation over 128 MiB counts as running out of memory: found at once, with its stack, where
# reaching the RSS limit first would have libFuzzer profile a huge heap for many minutes.
set -euo pipefail
binary=$(realpath "$1")
seconds=${2:-45}
shift $(($# < 2 ? $# : 2))
name=$(basename "$binary")
name=${name#fuzz_}
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$binary")/fuzz-work/$name
mkdir -p "$work/corpus" "$work/artifacts"
dict=()
[ ! -f "$here/$name.dict" ] || dict=(-dict="$here/$name.dict")
# fuzz_config writes its key files under TMPDIR: here, not in the machine's /tmp.
export TMPDIR=$work
export UBSAN_OPTIONS=print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
status=0
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=128 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "${dict[@]}" "$@" "$work/corpus" "$here/corpus/$name" || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz_$name failed (exit $status). Replay an input with: $binary INPUT" >&2
  ls -t "$work/artifacts" | head -5 | sed "s|^|  $work/artifacts/|" >&2
fi
exit "$status"

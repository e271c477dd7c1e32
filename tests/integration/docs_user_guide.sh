#!/usr/bin/env bash
# docs/user-guide.md documents every option `bsvpeer -help` prints (as `-name`), and every
# example command of the library guide's table names a program that exists in examples/.
#
# usage: docs_user_guide.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SOURCE_DIR=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
BSVPEER="$BUILD_DIR/src/bsvpeer/bsvpeer"
GUIDE="$SOURCE_DIR/docs/user-guide.md"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[[ -x "$BSVPEER" ]] || fail "$BSVPEER not built"
[[ -f "$GUIDE" ]] || fail "$GUIDE is missing"

help=$("$BSVPEER" -help) || fail "bsvpeer -help failed"
# Option lines of Boost's help: "  --name arg", "  --name [=arg(=1)]", "  -h [ --help ]".
mapfile -t names < <(sed -nE 's/^  (-[a-z] \[ )?--([a-z0-9]+).*/\2/p' <<<"$help")
((${#names[@]} >= 30)) || fail "only ${#names[@]} options found in bsvpeer -help: the parser is out of date"
missing=()
for name in "${names[@]}"; do
  grep -Eq -- "\`-(no)?$name([=\` /]|\[)" "$GUIDE" || missing+=("-$name")
done
((${#missing[@]} == 0)) || fail "docs/user-guide.md does not document: ${missing[*]}"
echo "  ok   ${#names[@]} options of bsvpeer -help documented"

for example in $(grep -oE '\[`[a-z_]+`\]\(\.\./examples/[a-z_]+\.cpp\)' "$SOURCE_DIR/docs/library-guide.md" |
  sed -E 's/.*examples\/([a-z_]+)\.cpp.*/\1/'); do
  [[ -f "$SOURCE_DIR/examples/$example.cpp" ]] || fail "library guide names examples/$example.cpp, which does not exist"
done
echo "PASS"

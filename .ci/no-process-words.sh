#!/usr/bin/env bash
# Fails (exit 1, printing file:line: text) when a tracked file speaks of how the project was made
# rather than of what it is: work sessions, issue numbers, machines that were lent, "this hour".
# Code identifiers stay legal: `BenchSession`, `crate::session::…`, `session.run(…)`, a training
# "session" without a determiner before it, `fn …_issues()`.
#
# Scanned: every file `git ls-files` lists, except Cargo.lock, vendor/, this script and binary
# files (grep -I).
set -euo pipefail
cd "$(dirname "$0")/.."

patterns=(
    '\b[Ss]ession [0-9]'                                            # "session 4", "Session 7"
    '\b([Tt]his|[Tt]hat|[Pp]revious|[Nn]ext|[Ee]arlier|[Ll]ater|[Ss]ame|[Oo]ne|[Ee]ach|[Aa]) session\b'
    '\b[Ss]essions\b'                                                # plural: always prose
    '[Ii]ssues? #[0-9]'                                              # "issue #7", "issues #4"
    '(^|[[:space:](])#[0-9]{1,4}([^0-9A-Za-z_]|$)'                   # a bare "#4" (not "#000000", "#[derive]")
    '\b[Ll]ent\b'                                                    # "a lent GPU"
    '\b([Tt]his|[Tt]hat|[Ss]ame|[Nn]ext|[Ss]lower|[Ff]aster|[Qq]uieter) hour\b'
    '\b[Tt]his (morning|afternoon|evening)\b'
    '\bdevice tool\b'
)
regex="$(IFS='|'; echo "${patterns[*]}")"

hits="$(git ls-files -z \
    | grep -zvE '^(vendor/|Cargo\.lock$|\.ci/no-process-words\.sh$)|/Cargo\.lock$' \
    | xargs -0 -r grep -nIsE "$regex" -- || true)"

if [ -n "$hits" ]; then
    echo "$hits"
    echo "no-process-words: the lines above speak of how the project was made (sessions, issue"
    echo "numbers, lent machines, 'this hour'); say what the code or the measurement is instead."
    exit 1
fi
echo "no-process-words: clean"

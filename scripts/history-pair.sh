#!/usr/bin/env bash
# Extract one real-history pair: the given paths at COMMIT^ (before/) and COMMIT (after/).
# usage: scripts/history-pair.sh GIT_DIR COMMIT NN-short-name PATH...
# Paths missing on one side are simply absent there (a file added or deleted by the commit).
set -euo pipefail
git_dir=$1 commit=$2 name=$3; shift 3
out="$(dirname "$0")/../fixtures/history-real/$name"
rm -rf "$out"; mkdir -p "$out/before" "$out/after"
for side in before after; do
  rev=$commit; [ "$side" = before ] && rev="$commit^"
  for p in "$@"; do
    if git -C "$git_dir" cat-file -e "$rev:$p" 2>/dev/null; then
      git -C "$git_dir" archive "$rev" -- "$p" | tar -x -C "$out/$side"
    fi
  done
done
find "$out" -type f | sed "s|$out/||" | sort

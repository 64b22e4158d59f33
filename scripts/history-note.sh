#!/usr/bin/env bash
# Print the provenance header of a real-history pair's NOTE.md.
# usage: scripts/history-note.sh GIT_DIR COMMIT OWNER/REPO "LICENCE" "COPYRIGHT LINE" "Title" PATH...
set -euo pipefail
git_dir=$1 commit=$2 repo=$3 licence=$4 copyright=$5 title=$6; shift 6
full=$(git -C "$git_dir" rev-parse "$commit")
parent=$(git -C "$git_dir" rev-parse "$commit^")
date=$(git -C "$git_dir" show -s --format=%ad --date=short "$commit")
subject=$(git -C "$git_dir" show -s --format=%s "$commit")
echo "# $title ($repo)"
echo
echo "- Repo: https://github.com/$repo ($licence; $copyright). Files copied unchanged except where noted."
echo "- Commit: $full ($date, \"$subject\")"
echo "- URL: https://github.com/$repo/commit/$full"
echo "- Parent (before/): $parent"
echo "- Paths copied: $*"
echo

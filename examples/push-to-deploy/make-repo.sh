#!/usr/bin/env bash
# The push-to-deploy repository, as scripts/demo.sh makes it: DIR/site.git (bare, the pod's
# hostPath) with a first commit "version 1", and DIR/work, a clone to commit and push from by
# hand (it has a commit identity of its own, so `git commit` works on a machine without one).
# The post-receive hook that calls the sidecar's webhook is installed after the first push:
# the pod is not up yet, and git-sync fetches that commit when it starts anyway.
#   bash examples/push-to-deploy/make-repo.sh DIR [WEBHOOK_URL]
set -euo pipefail
dir=${1:?usage: make-repo.sh DIR [WEBHOOK_URL]}
url=${2:-http://127.0.0.1:29081/webhook}
here=$(cd "$(dirname "$0")" && pwd)
bare=$dir/site.git
work=$dir/work

rm -rf "$bare" "$work"
mkdir -p "$dir"
git init --quiet --bare --initial-branch=main "$bare"
git init --quiet --initial-branch=main "$work"
git -C "$work" config user.name 'podkit demo'
git -C "$work" config user.email demo@podkit.invalid
git -C "$work" remote add origin "$bare"
printf '<h1>version 1</h1>\n' >"$work/index.html"
git -C "$work" add index.html
git -C "$work" commit --quiet -m "version 1"
git -C "$work" push --quiet origin main
# Push-to-deploy: from now on, after every push the hook asks the sidecar to sync at once.
cp "$here/post-receive" "$bare/hooks/post-receive"
git -C "$bare" config podkit.webhookUrl "$url"
git -C "$bare" config podkit.webhookToken push-to-deploy-demo-token # pod.yaml's Secret

#!/bin/sh
# azd postdeploy hook: create the Event Grid subscription (ACS chat events -> acsChatEvents) after the code is
# deployed. Event Grid validates that the target function exists, so the first provision skips it
# (DEPLOY_EVENT_SUBSCRIPTION=false); here we flip the flag and provision again. Later `azd up` runs keep the flag
# and create/update the subscription during the normal provision step.
set -eu

function_name="acsChatEvents"

if [ "${DEPLOY_EVENT_SUBSCRIPTION:-false}" = "true" ]; then
  echo "Event Grid subscription: already part of the deployment (DEPLOY_EVENT_SUBSCRIPTION=true)."
  exit 0
fi

# Do not ask Event Grid for a function this build does not contain: it would fail with "endpoint not found".
if ! grep -rqs "['\"]${function_name}['\"]" dist/src; then
  echo "Event Grid subscription: skipped, the deployed build has no '${function_name}' function yet."
  echo "Deploy a build that registers it, then run: azd env set DEPLOY_EVENT_SUBSCRIPTION true && azd provision"
  exit 0
fi

azd env set DEPLOY_EVENT_SUBSCRIPTION true
attempt=1
# The function index can lag the deployment by a little; retry a few times before giving up.
until azd provision --no-prompt; do
  if [ "$attempt" -ge 4 ]; then
    azd env set DEPLOY_EVENT_SUBSCRIPTION false
    echo "Event Grid subscription: provisioning failed ${attempt} times; the flag is reset. See docs/deploy.md." >&2
    exit 1
  fi
  echo "Event Grid subscription: attempt ${attempt} failed, retrying in 30 s."
  sleep 30
  attempt=$((attempt + 1))
done
echo "Event Grid subscription: ACS chat events now reach '${function_name}'."

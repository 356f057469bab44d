# azd postdeploy hook (Windows): same steps as postdeploy.sh. Creates the Event Grid subscription (ACS chat events
# -> acsChatEvents) once the code is deployed, by setting DEPLOY_EVENT_SUBSCRIPTION and provisioning again.
$ErrorActionPreference = 'Stop'
$functionName = 'acsChatEvents'

if ($env:DEPLOY_EVENT_SUBSCRIPTION -eq 'true') {
  Write-Host 'Event Grid subscription: already part of the deployment (DEPLOY_EVENT_SUBSCRIPTION=true).'
  exit 0
}

$built = Get-ChildItem -Path 'dist/src' -Filter '*.js' -Recurse -ErrorAction SilentlyContinue |
  Select-String -Pattern "['`"]$functionName['`"]" -Quiet
if (-not $built) {
  Write-Host "Event Grid subscription: skipped, the deployed build has no '$functionName' function yet."
  Write-Host 'Deploy a build that registers it, then run: azd env set DEPLOY_EVENT_SUBSCRIPTION true; azd provision'
  exit 0
}

azd env set DEPLOY_EVENT_SUBSCRIPTION true
for ($attempt = 1; ; $attempt++) {
  azd provision --no-prompt
  if ($LASTEXITCODE -eq 0) { break }
  if ($attempt -ge 4) {
    azd env set DEPLOY_EVENT_SUBSCRIPTION false
    Write-Error "Event Grid subscription: provisioning failed $attempt times; the flag is reset. See docs/deploy.md."
    exit 1
  }
  Write-Host "Event Grid subscription: attempt $attempt failed, retrying in 30 s."
  Start-Sleep -Seconds 30
}
Write-Host "Event Grid subscription: ACS chat events now reach '$functionName'."

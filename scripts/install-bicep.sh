#!/usr/bin/env bash
# Installs the Bicep CLI from its NuGet package (Azure.Bicep.CommandLine.<rid>) into a cache outside the repo.
# The package's tools/bicep is a self-contained executable, so only `dotnet restore` is needed, no Azure CLI.
# Idempotent: a version already in the cache is reused. Prints the absolute path of the binary on stdout (last line)
# and links it as node_modules/.bin/bicep (ignored by git) so `npm run infra:build` finds it.
#
# Env: BICEP_VERSION (try only this version), BICEP_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/bicep),
#      BICEP_NO_LINK=1 (do not create the node_modules/.bin link).
set -euo pipefail

versions=(${BICEP_VERSION:-0.49.2 0.48.1 0.47.16})
cache_root="${BICEP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bicep}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) rid=linux-x64 ;;
  Linux-aarch64) rid=linux-arm64 ;;
  Darwin-x86_64) rid=osx-x64 ;;
  Darwin-arm64) rid=osx-arm64 ;;
  *) echo "install-bicep: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
package="Azure.Bicep.CommandLine.${rid}"

log() { echo "install-bicep: $*" >&2; }

link_bin() {
  local bin="$1"
  if [[ "${BICEP_NO_LINK:-}" != "1" && -d "$repo_root/node_modules" ]]; then
    mkdir -p "$repo_root/node_modules/.bin"
    ln -sf "$bin" "$repo_root/node_modules/.bin/bicep"
    log "linked node_modules/.bin/bicep -> $bin"
  fi
  echo "$bin"
}

# Reuse a cached install when present and runnable.
for v in "${versions[@]}"; do
  bin="$cache_root/$v/bin/bicep"
  if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
    log "using cached Bicep $v"
    link_bin "$bin"
    exit 0
  fi
done

if ! command -v dotnet >/dev/null 2>&1; then
  log "the .NET SDK (dotnet) is required to restore $package from NuGet"
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for v in "${versions[@]}"; do
  dest="$cache_root/$v"
  packages="$dest/packages"
  mkdir -p "$work/$v"
  # Throwaway project: its only job is to make `dotnet restore` fetch the package.
  cat >"$work/$v/restore.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <NoWarn>\$(NoWarn);NU1701</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="${package}" Version="[${v}]" />
  </ItemGroup>
</Project>
CSPROJ
  log "restoring $package $v"
  if DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$work/$v/restore.csproj" --packages "$packages" >"$work/$v/restore.log" 2>&1; then
    tool="$packages/$(echo "$package" | tr '[:upper:]' '[:lower:]')/$v/tools/bicep"
    if [[ -f "$tool" ]]; then
      chmod +x "$tool"
      mkdir -p "$dest/bin"
      ln -sf "$tool" "$dest/bin/bicep"
      if "$dest/bin/bicep" --version >/dev/null 2>&1; then
        log "installed Bicep $v"
        link_bin "$dest/bin/bicep"
        exit 0
      fi
      log "Bicep $v restored but does not run"
    else
      log "restore of $v finished but tools/bicep is missing"
    fi
  else
    log "restore of $v failed:"
    tail -n 5 "$work/$v/restore.log" >&2
  fi
done

log "could not install Bicep (tried: ${versions[*]})"
exit 1

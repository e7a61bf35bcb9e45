#!/usr/bin/env bash
# Installs what the real-editor tests (npm run test:editors) need on a fresh Debian machine:
# Neovim and Chromium from Debian, Node 24 (npm package node@24) and code-server 4.139.1 under it
# into .editors/ (gitignored). Nothing is cached between CI runs, so this is called by .ci/run.
# code-server is pinned because the test harness uses VS Code internals (payload,
# codeAutomationExit) that change between versions; see shared/notes/real-editors.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EDITORS="$ROOT/.editors"
NODE24_VERSION="24"
CODE_SERVER_VERSION="4.139.1"

step() { printf '[editors/install] %s (%ss)\n' "$1" "$SECONDS"; }

# Debian packages: chromium (Playwright drives it), libkrb5-dev (code-server's native modules),
# neovim (the second real LSP client). Skip apt when everything is already there.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nvim >/dev/null 2>&1 || need+=(neovim)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if ((${#need[@]})); then
  step "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Node 24 in its own folder: code-server 4.139 needs it, the repository itself stays on Node 20.
NODE24="$EDITORS/node24/node_modules/node/bin/node"
if [[ ! -x "$NODE24" ]] || [[ "$("$NODE24" --version)" != v${NODE24_VERSION}.* ]]; then
  step "npm install node@$NODE24_VERSION"
  mkdir -p "$EDITORS/node24"
  (cd "$EDITORS/node24" && [[ -f package.json ]] || echo '{"private":true}' > package.json)
  (cd "$EDITORS/node24" && npm install --no-audit --no-fund --loglevel=error "node@$NODE24_VERSION")
fi

# code-server under Node 24: its postinstall reads the Node version from npm's user agent.
CS="$EDITORS/code-server/node_modules/code-server"
if [[ ! -f "$CS/lib/vscode/out/server-main.js" ]] || [[ "$(node -p "require('$CS/package.json').version")" != "$CODE_SERVER_VERSION" ]]; then
  step "npm install code-server@$CODE_SERVER_VERSION (about 2 minutes)"
  mkdir -p "$EDITORS/code-server"
  (cd "$EDITORS/code-server" && [[ -f package.json ]] || echo '{"private":true}' > package.json)
  (cd "$EDITORS/code-server" && PATH="$(dirname "$NODE24"):$PATH" \
    npm install --no-audit --no-fund --loglevel=error --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$EDITORS/code-server-install.log" 2>&1) \
    || { tail -50 "$EDITORS/code-server-install.log"; exit 1; }
fi

step "done: nvim $(nvim --version | head -1 | cut -d' ' -f2), chromium $(chromium --version 2>/dev/null | cut -d' ' -f2), node24 $("$NODE24" --version), code-server $(node -p "require('$CS/package.json').version")"

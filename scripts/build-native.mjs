#!/usr/bin/env node
// Builds the optional native backend (native/, a Node addon over oneDNN + OpenBLAS) at install
// time. Never fails the install: when the toolchain or the Debian libraries (libdnnl-dev,
// libopenblas-dev) are missing it says so in one line, and the library falls back to wasm.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const say = (msg) => console.log(`greedy-infomax: ${msg}`);

function findNodeGyp() {
  // npm ships node-gyp; prefer the one next to the npm that runs us, then a global npm.
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  if (npmRoot) candidates.push(join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => existsSync(p)) ?? null;
}

function findNodeDir() {
  // Local headers, so node-gyp never tries to download them.
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')];
  return candidates.find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h'))) ?? null;
}

function main() {
  if (process.env.GIM_SKIP_NATIVE_BUILD) return say('native backend not built (GIM_SKIP_NATIVE_BUILD is set)');
  if (!existsSync(join(nativeDir, 'binding.gyp'))) return say('native backend not built (no native/ sources)');
  const arch = `/usr/include/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const headers = { 'dnnl.hpp': ['/usr/include', arch], 'cblas.h': ['/usr/include', arch] };
  const missing = Object.entries(headers)
    .filter(([h, dirs]) => !dirs.some((d) => existsSync(join(d, h))))
    .map(([h]) => h);
  if (missing.length > 0) {
    return say(
      `native backend not built (missing ${missing.join(', ')}): gim runs on the slower wasm backend; ` +
        'for the native one (it trains several times faster; docs/benchmarks.md) run `apt-get install libdnnl-dev libopenblas-dev`, then `npm rebuild`',
    );
  }
  try {
    createRequire(import.meta.url).resolve('node-addon-api');
  } catch {
    return say('native backend not built (node-addon-api is not installed)');
  }
  const gyp = findNodeGyp();
  if (!gyp) return say('native backend not built (node-gyp not found)');
  const nodedir = findNodeDir();
  if (!nodedir) return say('native backend not built (Node headers not found; set npm config nodedir)');
  const started = Date.now();
  const res = spawnSync(process.execPath, [gyp, 'rebuild', '--jobs=max', `--nodedir=${nodedir}`, '--loglevel=error'], {
    cwd: nativeDir,
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    const lines = `${res.stderr ?? ''}${res.stdout ?? ''}`.split('\n').filter((l) => /error/i.test(l));
    return say(`native backend not built (node-gyp failed: ${lines[0]?.trim() ?? res.error?.message ?? 'unknown error'})`);
  }
  say(`native backend built in ${((Date.now() - started) / 1000).toFixed(1)} s (native/build/Release/gim_native.node)`);
}

try {
  main();
} catch (err) {
  say(`native backend not built (${err instanceof Error ? err.message : String(err)})`);
}

#!/usr/bin/env node
// Runs before `npm start`, `npm test` and friends (plain JavaScript: it must work before
// `npm ci` has installed TypeScript tooling). Installs dependencies on a fresh clone and checks Java
// (DynamoDB Local) and, for `npm test`, Chromium (the browser tests).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const needsJava = !process.argv.includes('--no-java');
const needsChromium = process.argv.includes('--chromium');

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`timebook-intercom needs Node.js 20 or newer; this is ${process.version}.`);
  process.exit(1);
}

// npm ci also applies patches/ (the postinstall script), so a lock file or a patch newer than the
// last install means node_modules is out of date.
const installed = join(root, 'node_modules', '.package-lock.json');
const patches = join(root, 'patches');
const patchFiles = existsSync(patches) ? readdirSync(patches).filter((name) => name.endsWith('.patch')) : [];
const inputs = [join(root, 'package-lock.json'), ...patchFiles.map((name) => join(patches, name))];
const stale = existsSync(installed) && inputs.some((file) => statSync(file).mtimeMs > statSync(installed).mtimeMs);
if (!existsSync(installed) || stale) {
  console.log(
    stale
      ? 'node_modules is older than package-lock.json or patches/: running npm ci...'
      : 'node_modules is missing: running npm ci (once)...',
  );
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (needsJava) {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const version = /version "(\d+)/.exec(`${java.stderr}${java.stdout}`);
  if (java.error || !version || Number(version[1]) < 17) {
    console.error(
      [
        'DynamoDB Local needs Java 17 or newer, and `java` was not found (or is older).',
        'Install it, then run the command again:',
        '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless',
        '  macOS:          brew install openjdk@17',
        '  Other:          any Java 17+ runtime on the PATH (https://adoptium.net)',
      ].join('\n'),
    );
    process.exit(1);
  }
}

if (needsChromium) {
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    console.error(
      [
        `The browser tests drive the machine's own Chromium, and ${chromium} was not found.`,
        'Install it (no test tool downloads a browser), then run the command again:',
        '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium',
        '  Other:          any Chromium or Chrome, with CHROMIUM_PATH=/path/to/its/binary',
      ].join('\n'),
    );
    process.exit(1);
  }
}

#!/usr/bin/env node
// Compiles and lints infra/ with the Bicep CLI and fails on any error OR warning (lint rules are errors through
// infra/bicepconfig.json; compiler warnings such as an unknown API version are caught here).
//
//   node scripts/bicep.js [--outdir DIR]   build the entry files into DIR (default dist/infra) and lint every file
//   node scripts/bicep.js --locate         print how bicep was found, as JSON; exit 2 when it is missing
//
// Bicep is looked up in this order: $BICEP_PATH, `bicep` on PATH, node_modules/.bin/bicep, the cache that
// scripts/install-bicep.sh fills, then `az bicep`.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');
const infraDir = path.join(repoRoot, 'infra');

/** Files deployed on their own: main.bicep by azd, the event subscription by hand after code deploy. */
const ENTRY_TEMPLATES = ['main.bicep', 'modules/event-subscription.bicep'];
const ENTRY_PARAMS = ['main.bicepparam'];

const EXIT_MISSING = 2;

const INSTALL_HELP = [
  'The Bicep CLI was not found (looked at $BICEP_PATH, PATH, node_modules/.bin, the install cache, `az bicep`).',
  'Install it one of these ways:',
  '  - with the .NET SDK (no Azure CLI needed): bash scripts/install-bicep.sh',
  '    (restores the NuGet package Azure.Bicep.CommandLine.<platform> into ~/.cache/bicep and links',
  '    node_modules/.bin/bicep)',
  '  - with the Azure CLI: az bicep install',
  '  - or download a release and put `bicep` on PATH, or set BICEP_PATH to the binary.',
].join('\n');

function runs(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim() : undefined;
}

function cacheCandidates() {
  const cacheRoot =
    process.env.BICEP_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'bicep');
  if (!fs.existsSync(cacheRoot)) return [];
  // Newest version first (directory names are versions like 0.49.2).
  const versions = fs
    .readdirSync(cacheRoot)
    .filter((name) => /^\d+\.\d+\.\d+$/.test(name))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return versions.map((v) => path.join(cacheRoot, v, 'bin', 'bicep'));
}

/**
 * @returns {{ kind: 'cli' | 'az', command: string, prefix: string[], version: string } | undefined}
 */
function findBicep() {
  const binaries = [
    process.env.BICEP_PATH,
    'bicep',
    path.join(repoRoot, 'node_modules', '.bin', 'bicep'),
    ...cacheCandidates(),
  ].filter(Boolean);
  for (const command of binaries) {
    const version = runs(command, ['--version']);
    if (version) return { kind: 'cli', command, prefix: [], version };
  }
  const azVersion = runs('az', ['bicep', 'version']);
  if (azVersion) return { kind: 'az', command: 'az', prefix: ['bicep'], version: azVersion };
  return undefined;
}

/** Arguments for one bicep command; `az bicep` names its input with --file and has no --pattern. */
function argsFor(bicep, verb, input, options = {}) {
  const out = [
    ...(options.outdir ? ['--outdir', options.outdir] : []),
    ...(options.outfile ? ['--outfile', options.outfile] : []),
  ];
  if (bicep.kind === 'az') return [...bicep.prefix, verb, '--file', input, ...out];
  return [verb, ...(options.pattern ? ['--pattern', input] : [input]), ...out];
}

const DIAGNOSTIC = /^(.*?)\((\d+),(\d+)\)\s*:\s*(Error|Warning|Info)\s+([\w-]+):\s*(.*)$/;

/** Runs one bicep command; resolves with its diagnostics and whether the process itself failed. */
function run(bicep, verb, input, options) {
  const args = argsFor(bicep, verb, input, options);
  return new Promise((resolve) => {
    const child = spawn(bicep.command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const done = (failed) => {
      const diagnostics = output
        .split(/\r?\n/)
        .map((line) => DIAGNOSTIC.exec(line.trim()))
        .filter(Boolean)
        .map((m) => ({ file: m[1], line: Number(m[2]), column: Number(m[3]), level: m[4], code: m[5], message: m[6] }));
      resolve({ command: [bicep.command, ...args].join(' '), failed, output: output.trim(), diagnostics });
    };
    child.on('error', (err) => {
      output += String(err);
      done(true);
    });
    child.on('close', (code) => done(code !== 0));
  });
}

function bicepFilesUnder(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return bicepFilesUnder(full);
      return /\.bicep(param)?$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

/**
 * Builds the entry files into outdir (templates as <name>.json, parameters as <name>.parameters.json) and lints
 * every .bicep/.bicepparam file under infra/. Resolves with each step and the problems found (warnings included).
 */
async function check(bicep, outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  const lints =
    bicep.kind === 'az'
      ? bicepFilesUnder(infraDir).map((f) => ['lint', f, {}])
      : [['lint', 'infra/**/*.bicep*', { pattern: true }]];
  const jobs = [
    ...ENTRY_TEMPLATES.map((f) => ['build', path.join(infraDir, f), { outdir }]),
    ...ENTRY_PARAMS.map((f) => [
      'build-params',
      path.join(infraDir, f),
      { outfile: path.join(outdir, `${path.basename(f, '.bicepparam')}.parameters.json`) },
    ]),
    ...lints,
  ];
  // Two at a time: each bicep process is CPU-bound for a second or two.
  const steps = [];
  for (let i = 0; i < jobs.length; i += 2) {
    steps.push(
      ...(await Promise.all(jobs.slice(i, i + 2).map(([verb, input, options]) => run(bicep, verb, input, options)))),
    );
  }
  const problems = [];
  for (const step of steps) {
    const bad = step.diagnostics.filter((d) => d.level !== 'Info');
    for (const d of bad) {
      problems.push(`${path.relative(repoRoot, d.file)}(${d.line},${d.column}): ${d.level} ${d.code}: ${d.message}`);
    }
    if (step.failed && bad.length === 0) problems.push(`${step.command} failed:\n${step.output}`);
  }
  return { steps, problems: [...new Set(problems)] };
}

async function main(argv) {
  const bicep = findBicep();
  if (argv.includes('--locate')) {
    if (!bicep) {
      process.stderr.write(`${INSTALL_HELP}\n`);
      return EXIT_MISSING;
    }
    process.stdout.write(`${JSON.stringify(bicep)}\n`);
    return 0;
  }
  if (!bicep) {
    process.stderr.write(`infra:build: ${INSTALL_HELP}\n`);
    return EXIT_MISSING;
  }
  const outIndex = argv.indexOf('--outdir');
  const outdir = path.resolve(
    outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1] : path.join(repoRoot, 'dist', 'infra'),
  );
  process.stdout.write(`Bicep: ${bicep.version.split('\n')[0]} (${[bicep.command, ...bicep.prefix].join(' ')})\n`);
  const { steps, problems } = await check(bicep, outdir);
  for (const step of steps)
    process.stdout.write(
      `  ${step.failed ? 'FAIL' : 'ok  '} ${step.command.split(`${repoRoot}${path.sep}`).join('')}\n`,
    );
  if (problems.length > 0) {
    process.stderr.write(`infra:build: ${problems.length} problem(s); warnings count as failures:\n`);
    for (const p of problems) process.stderr.write(`  ${p}\n`);
    return 1;
  }
  process.stdout.write(`infra:build: no errors, no warnings. ARM JSON in ${path.relative(repoRoot, outdir) || '.'}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`infra:build: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = { findBicep, check, INSTALL_HELP, EXIT_MISSING };

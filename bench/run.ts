/**
 * `npm run bench`: runs every benchmark (or those named on the command line), prints a table and writes
 * bench/results/<timestamp>.json and bench/results/latest.json. Never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { botBench } from './bot.bench';
import { archiveBench } from './archive.bench';
import { coldStartBench } from './coldStart.bench';
import { emulatorBench } from './emulator.bench';
import { schedulesBench } from './schedules.bench';
import type { Bench, BenchResult } from './harness';
import { inspectorBench } from './inspector.bench';
import { participantsBench } from './participants.bench';
import { runtimeBench } from './runtime.bench';

const BENCHES: Bench[] = [
  coldStartBench,
  emulatorBench,
  inspectorBench,
  participantsBench,
  schedulesBench,
  archiveBench,
  botBench,
  runtimeBench,
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = only.length > 0 ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  const results: Record<string, BenchResult[]> = {};
  for (const bench of selected) {
    process.stdout.write(`\n== ${bench.name}\n`);
    results[bench.name] = await bench.run();
    printTable(results[bench.name] ?? []);
  }
  const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    results,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(resultsDir, `${report.date.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(resultsDir, 'latest.json'), json);
}

function printTable(rows: BenchResult[]): void {
  const width = Math.max(10, ...rows.map((r) => r.name.length));
  for (const row of rows) {
    const value = String(row.value).padStart(12);
    process.stdout.write(`  ${row.name.padEnd(width)}  ${value} ${row.unit.padEnd(8)} ${row.note ?? ''}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

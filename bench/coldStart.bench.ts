/**
 * Cold start: time to load the whole app in a fresh process, beside the time to load `@azure/functions` alone and
 * an empty Node process, all interleaved in one run so the ratio is meaningful on a noisy machine.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Bench, BenchResult } from './harness';
import { median, round } from './harness';

const PROBE = join(__dirname, 'coldStartProbe.js');
const RUNS = 15;
const MODES = ['node', 'functions', 'app'] as const;
type Mode = (typeof MODES)[number];

function sample(mode: Mode): number {
  const output = execFileSync(process.execPath, [PROBE, mode], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return Number(output.trim().split('\n').pop());
}

export const coldStartBench: Bench = {
  name: 'cold-start',
  async run(): Promise<BenchResult[]> {
    const samples: Record<Mode, number[]> = { node: [], functions: [], app: [] };
    for (const mode of MODES) sample(mode); // warm the file system cache
    for (let i = 0; i < RUNS; i++) for (const mode of MODES) samples[mode].push(sample(mode));
    const node = median(samples.node);
    const functions = median(samples.functions);
    const app = median(samples.app);
    return [
      {
        name: 'empty node process',
        value: round(node, 1),
        unit: 'ms',
        note: `median of ${RUNS}, time from process start`,
      },
      { name: 'load @azure/functions', value: round(functions, 1), unit: 'ms' },
      { name: 'load whole app', value: round(app, 1), unit: 'ms', note: 'all modules matched by package.json main' },
      { name: 'app ÷ @azure/functions', value: round(app / functions), unit: 'ratio' },
      {
        name: 'app ÷ @azure/functions (net)',
        value: round((app - node) / (functions - node)),
        unit: 'ratio',
        note: 'empty-process time subtracted from both',
      },
    ];
  },
};

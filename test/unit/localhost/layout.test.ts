import fs from 'fs';
import path from 'path';
import ts from 'typescript';

// localhost/README.md's "Layout" table, the folders on disk and the imports in the sources must agree.

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const LOCALHOST = path.join(REPO_ROOT, 'localhost');

interface Part {
  /** Relative to localhost/, with a trailing slash; '' is localhost/ itself. */
  folder: string;
  /** Folder prefixes (relative to localhost/) its files may import besides their own part. */
  mayImport: string[];
}

/** Every relative module specifier in a source: imports and re-exports (type-only too), require() and import(). */
function specifiersIn(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('.'));
}

/** Each strongly connected group of two or more nodes, or one node importing itself: every import cycle. */
function findCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

function readLayoutTable(): Part[] {
  const readme = fs.readFileSync(path.join(LOCALHOST, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Layout');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `localhost/'))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const folder = /^`localhost\/([^`]*)`$/.exec(cells[1] ?? '')?.[1];
      if (folder === undefined) throw new Error(`cannot read the part in: ${line}`);
      const mayImport = [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      return { folder, mayImport };
    });
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(LOCALHOST, full).split(path.sep).join('/')] : [];
  });
}

/** The file a relative specifier names, relative to the repo root (posix), or undefined if none. */
function resolveImport(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(path.join(LOCALHOST, fromFile)), specifier);
  const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
  return found && path.relative(REPO_ROOT, found).split(path.sep).join('/');
}

const parts = readLayoutTable();
const files = sourceFiles(LOCALHOST);
/** localhost file → the localhost files it imports; `outside` collects imports that leave localhost/. */
const graph = new Map<string, string[]>();
const outside: string[] = [];
const unresolved: string[] = [];
for (const file of files) {
  const targets: string[] = [];
  for (const specifier of specifiersIn(fs.readFileSync(path.join(LOCALHOST, file), 'utf8'))) {
    const target = resolveImport(file, specifier);
    if (target === undefined) unresolved.push(`${file} → ${specifier}`);
    else if (target.startsWith('localhost/')) targets.push(target.slice('localhost/'.length));
    else outside.push(`${file} → ${target}`);
  }
  graph.set(file, targets);
}

/** The part a file belongs to: the map's folder that directly contains it. */
function partOf(file: string): Part | undefined {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return parts.find((part) => part.folder === folder);
}

describe('localhost/ layout', () => {
  it('the README map and the folders on disk name the same parts', () => {
    expect(parts.length).toBeGreaterThan(1);
    const named = parts.flatMap((part) => [part.folder, ...part.mayImport]);
    const missing = named.filter(
      (folder) => !fs.statSync(path.join(LOCALHOST, folder), { throwIfNoEntry: false })?.isDirectory(),
    );
    expect(missing).toEqual([]);
    // A folder of sources the map does not name (a new trigger kind, say) must be added to it.
    expect(files.filter((file) => !partOf(file))).toEqual([]);
  });

  it('the worker imports neither triggers/ nor stack/, and the map allows it neither', () => {
    const worker = parts.find((part) => part.folder === 'worker/');
    expect(worker?.mayImport.filter((prefix) => /^(triggers|stack)\//.test(prefix))).toEqual([]);
    const leaks = [...graph]
      .filter(([file]) => file.startsWith('worker/'))
      .flatMap(([file, targets]) => targets.filter((t) => /^(triggers|stack)\//.test(t)).map((t) => `${file} → ${t}`));
    expect(leaks).toEqual([]);
  });

  it('every import goes where the README map allows', () => {
    expect(unresolved).toEqual([]);
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const part = partOf(file);
      if (!part) continue; // reported by the first test
      for (const target of targets) {
        const own = partOf(target) === part;
        if (!own && !part.mayImport.some((prefix) => target.startsWith(prefix))) {
          violations.push(`${file} → ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('no files import each other in a cycle, of any length', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('imports nothing outside localhost/ but src/cron/', () => {
    expect(outside.filter((entry) => !/→ src\/cron\//.test(entry))).toEqual([]);
  });

  it('its checks catch what they look for: type-only imports, re-exports, require, and cycles of any length', () => {
    const source = [
      "import type { A } from './a';",
      "export { B } from '../b';",
      "const c = require('./c');",
      "import fs from 'fs';",
    ].join('\n');
    expect(specifiersIn(source)).toEqual(['./a', '../b', './c']);
    const chain = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    expect(findCycles(chain)).toEqual([['a', 'b', 'c'], ['d']]);
  });
});

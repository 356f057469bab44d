import fs from 'fs';
import path from 'path';

/** Expands `{a,b}` alternatives (nested allowed) into every concrete pattern, in order. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    } else if (ch === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const results: string[] = [];
  for (let i = 0; i < bounds.length - 1; i++) {
    const option = pattern.slice((bounds[i] as number) + 1, bounds[i + 1]);
    results.push(...expandBraces(head + option + tail));
  }
  return results;
}

function segmentRegex(segment: string): RegExp {
  const escaped = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

/** Files under `baseDir` matching one pattern; `*` and `?` match within one path segment. */
function matchPattern(baseDir: string, pattern: string): string[] {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let current = [baseDir];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?]/.test(segment)) {
        const candidate = path.join(dir, segment);
        if (fs.existsSync(candidate)) next.push(candidate);
        continue;
      }
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      const regex = segmentRegex(segment);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (regex.test(entry.name) && (last ? entry.isFile() : entry.isDirectory()))
          next.push(path.join(dir, entry.name));
      }
    }
    current = next;
  });
  return current.filter((file) => fs.statSync(file).isFile());
}

/** Resolves a package.json `main` glob to absolute file paths, de-duplicated, in pattern order. */
export function resolveMainGlob(appDir: string, main: string): string[] {
  const seen = new Set<string>();
  for (const pattern of expandBraces(main.replace(/\\/g, '/'))) {
    for (const file of matchPattern(appDir, pattern)) seen.add(path.resolve(file));
  }
  return [...seen];
}

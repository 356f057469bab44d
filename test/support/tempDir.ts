import fs from 'fs';
import os from 'os';
import path from 'path';

/** A fresh folder under the OS temp dir holding `files` (relative path → content). */
export function tempDir(files: Record<string, string>, prefix = 'host-unit-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

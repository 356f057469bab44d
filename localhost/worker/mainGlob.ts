import globby from 'globby';
import path from 'path';

/**
 * Resolves package.json `main` to absolute file paths exactly as the Node worker reads it: globby 11 with the
 * app folder as cwd and no other options (braces, `*`, `**`, a folder means every file in it, dot files
 * skipped), in globby's order, each file once.
 */
export async function resolveMainGlob(appDir: string, main: string): Promise<string[]> {
  const files = await globby(main, { cwd: appDir });
  return files.map((file) => path.join(appDir, file));
}

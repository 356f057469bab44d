import path from 'path';
import { resolveMainGlob } from '../../../../localhost/worker/mainGlob';
import { tempDir } from '../../../support/tempDir';

describe('main glob', () => {
  it('expands braces, nested too', async () => {
    const dir = tempDir({
      'dist/src/index.js': '',
      'dist/src/functions/f.js': '',
      'a.js': '',
      'b1.js': '',
      'b2.js': '',
      'plain.js': '',
      'c.js': '',
    });
    const files = async (main: string): Promise<string[]> =>
      (await resolveMainGlob(dir, main)).map((f) => path.relative(dir, f));
    expect(await files('dist/src/{index.js,functions/*.js}')).toEqual(['dist/src/index.js', 'dist/src/functions/f.js']);
    expect(await files('{a,b{1,2}}.js')).toEqual(['a.js', 'b1.js', 'b2.js']);
    expect(await files('plain.js')).toEqual(['plain.js']);
  });

  it('matches * within one directory, in pattern order, without duplicates', async () => {
    const dir = tempDir({
      'dist/src/index.js': '',
      'dist/src/functions/b.js': '',
      'dist/src/functions/a.js': '',
      'dist/src/functions/a.js.map': '',
      'dist/src/functions/nested/c.js': '',
    });
    const files = (await resolveMainGlob(dir, 'dist/src/{index.js,functions/*.js,functions/a.js}')).map((f) =>
      path.relative(dir, f),
    );
    expect(files).toEqual(['dist/src/index.js', 'dist/src/functions/a.js', 'dist/src/functions/b.js']);
    expect(await resolveMainGlob(dir, 'dist/missing/*.js')).toEqual([]);
  });

  it('reads main as the Functions Node worker does: ** recurses, a folder means its files, dot files are skipped', async () => {
    const dir = tempDir({ 'lib/a.js': '', 'lib/deep/b.js': '', 'lib/.hidden.js': '' });
    const files = async (main: string): Promise<string[]> =>
      (await resolveMainGlob(dir, main)).map((f) => path.relative(dir, f));
    expect(await files('lib/**/*.js')).toEqual(['lib/a.js', 'lib/deep/b.js']);
    expect(await files('lib')).toEqual(['lib/a.js', 'lib/deep/b.js']);
  });
});

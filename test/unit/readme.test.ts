import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../../src/config';

// The README's configuration table must stay true as settings are added.
describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

  it.each(SETTINGS.map((s) => [s.name, s]))('documents %s', (name, setting) => {
    // The three storage URIs share a row: `AzureWebJobsStorage__blobServiceUri`, `__queueServiceUri`, ...
    const short = name.replace(/^AzureWebJobsStorage(__\w+)$/, '$1');
    expect(readme.includes(`\`${name}\``) || readme.includes(`\`${short}\``)).toBe(true);
    if (setting.defaultValue) expect(readme).toContain(`\`${setting.defaultValue}\``);
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});

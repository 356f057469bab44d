import { HOST_CLI } from '../../support/hostProcess';
import { REPO_ROOT, exitCode, spawnNode } from '../../support/processes';

// The real app, loaded by the local host as the Functions worker would: a bad setting must stop start-up,
// naming the setting, before anything listens.
describe('app start-up with bad configuration', () => {
  async function startWith(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    // Empty values count as missing, and the host does not overwrite variables that are set.
    const child = spawnNode(HOST_CLI, ['--app-dir', REPO_ROOT, '--port', '0'], { env: { ...process.env, ...env } });
    let timer: NodeJS.Timeout | undefined;
    try {
      const code = await Promise.race([
        exitCode(child.child),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('host kept running')), 30_000))),
      ]);
      return { code, output: child.output() };
    } finally {
      clearTimeout(timer);
      await child.stop();
    }
  }

  it('fails fast when a required setting is missing, naming it', async () => {
    const { code, output } = await startWith({ AzureWebJobsStorage: '' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/AzureWebJobsStorage: missing/);
    expect(output).not.toMatch(/listening on/);
  });

  it('fails fast on a malformed schedule, naming the setting and the rule', async () => {
    const { code, output } = await startWith({ SCHEDULE_DISPATCH_CRON: '*/5 * * * *' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/SCHEDULE_DISPATCH_CRON: "\*\/5 \* \* \* \*" is not a 6-field NCRONTAB expression/);
  });

  it('never prints the ACS key when the connection string is malformed', async () => {
    const { code, output } = await startWith({ ACS_CONNECTION_STRING: 'accesskey=c2VjcmV0LWtleQ==' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/ACS_CONNECTION_STRING: expected/);
    expect(output).not.toContain('c2VjcmV0LWtleQ==');
  });
});

import { ConfigError, SETTINGS, loadConfig } from '../../src/config';

const local = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  ACS_CONNECTION_STRING: 'endpoint=https://127.0.0.1:8443/;accesskey=YWNzLWVtdWxhdG9yLXdlbGwta25vd24tZGV2LWtleSE=',
};

const azure = {
  AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net',
  AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
  ACS_ENDPOINT: 'https://acs-x.communication.azure.com',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('reads the local settings with defaults for the rest', () => {
    const config = loadConfig(local);
    expect(config.storage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(config.acs).toMatchObject({ kind: 'connectionString', endpoint: 'https://127.0.0.1:8443/' });
    expect(config.archiveContainer).toBe('chat-archive');
    expect(config.scheduleDispatchCron).toBe('0 */1 * * * *');
    expect(config.archiveCron).toBe('0 0 2 * * *');
    expect(config.botDisplayName).toBe('Chat Bot');
    expect(config.archiveDeleteAfterDays).toBe(0);
    expect(config.retentionDays).toBe(30);
  });

  it('reads the Azure settings as managed identity', () => {
    const config = loadConfig(azure);
    expect(config.storage).toEqual({
      kind: 'identity',
      blobServiceUri: azure.AzureWebJobsStorage__blobServiceUri,
      queueServiceUri: azure.AzureWebJobsStorage__queueServiceUri,
      tableServiceUri: azure.AzureWebJobsStorage__tableServiceUri,
      clientId: azure.AzureWebJobsStorage__clientId,
    });
    expect(config.acs).toEqual({
      kind: 'managedIdentity',
      endpoint: azure.ACS_ENDPOINT,
      clientId: azure.AZURE_CLIENT_ID,
    });
  });

  it('names every missing required setting at once', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^AzureWebJobsStorage: missing/);
    expect(problems[1]).toMatch(/^ACS_ENDPOINT: missing.*ACS_CONNECTION_STRING/);
  });

  it('names the storage URIs that are missing for managed identity', () => {
    const { AzureWebJobsStorage__queueServiceUri: _omitted, ...partial } = azure;
    expect(problemsOf(partial)).toEqual([expect.stringMatching(/^AzureWebJobsStorage__queueServiceUri: missing/)]);
  });

  it.each([
    ['SCHEDULE_DISPATCH_CRON', '*/5 * * * *'],
    ['SCHEDULE_DISPATCH_CRON', '0 0 0 * * 7'],
    ['ARCHIVE_CRON', 'every night'],
    ['ARCHIVE_DELETE_AFTER_DAYS', '-1'],
    ['ARCHIVE_DELETE_AFTER_DAYS', '30 days'],
    ['RETENTION_DAYS', '0'],
    ['RETENTION_DAYS', 'a month'],
  ])('rejects %s=%s naming the setting', (name, value) => {
    expect(problemsOf({ ...local, [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: "`))]);
  });

  it('rejects a malformed ACS connection string without echoing the key', () => {
    const problems = problemsOf({ ...local, ACS_CONNECTION_STRING: 'accesskey=c2VjcmV0;endpoint=nope' });
    expect(problems).toEqual([expect.stringMatching(/^ACS_CONNECTION_STRING: expected/)]);
    expect(problems.join()).not.toContain('c2VjcmV0');
  });

  it('rejects an ACS endpoint that is not https or has a path', () => {
    expect(problemsOf({ ...azure, ACS_ENDPOINT: 'http://acs.example' })[0]).toMatch(/^ACS_ENDPOINT: .*https/);
    expect(problemsOf({ ...azure, ACS_ENDPOINT: 'https://acs.example/sub' })[0]).toMatch(/^ACS_ENDPOINT: /);
  });

  it('rejects an invalid container name', () => {
    expect(problemsOf({ ...local, ARCHIVE_CONTAINER: 'Chat_Archive' })).toEqual([
      expect.stringMatching(/^ARCHIVE_CONTAINER: "Chat_Archive" is not a valid container name/),
    ]);
  });

  it('documents every setting it reads', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [...Object.keys(local), ...Object.keys(azure)]) expect(names).toContain(name);
  });
});

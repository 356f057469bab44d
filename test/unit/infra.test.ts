/**
 * Compiles infra/ with the real Bicep CLI (through scripts/bicep.js, which also lints and fails on any warning)
 * and checks the ARM JSON: resources and API versions, the app settings against src/config.ts, role assignments,
 * the Event Grid subscription, and that no output or setting carries a key.
 *
 * Without the Bicep CLI the suite is skipped with a message, except when CI is set: then it fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SETTINGS } from '../../src/config';
import { STORAGE_NAMES } from '../../src/storage/names';

const repoRoot = path.resolve(__dirname, '..', '..');
const bicepScript = path.join(repoRoot, 'scripts', 'bicep.js');

const locate = spawnSync(process.execPath, [bicepScript, '--locate'], { encoding: 'utf8' });
const haveBicep = locate.status === 0;
const inCi = Boolean(process.env.CI);
if (!haveBicep && !inCi) {
  console.warn(
    `test/unit/infra.test.ts SKIPPED: the Bicep CLI is not installed, so infra/ was not compiled.\n${locate.stderr}`,
  );
}
const suite = haveBicep || inCi ? describe : describe.skip;

// ---- ARM JSON model (only the parts the assertions read) ----

interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  existing?: boolean;
  condition?: string | boolean;
  location?: string;
  kind?: string;
  tags?: unknown;
  scope?: string;
  sku?: { name?: string; tier?: string };
  identity?: { type?: string };
  properties?: Record<string, unknown>;
}
interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}
/** A resource with the template (module) it was declared in. */
interface Located {
  resource: ArmResource;
  template: ArmTemplate;
  /** Parameters the parent passed to this template (undefined for the entry template). */
  passed?: Record<string, { value: unknown }>;
}

const listResources = (t: ArmTemplate): ArmResource[] =>
  Array.isArray(t.resources) ? t.resources : Object.values(t.resources);

/** Every resource of a template and of its nested deployments (modules), existing references excluded. */
function allResources(template: ArmTemplate, passed?: Located['passed']): Located[] {
  return listResources(template).flatMap((resource) => {
    const here: Located[] = resource.existing ? [] : [{ resource, template, passed }];
    if (resource.type !== 'Microsoft.Resources/deployments') return here;
    const props = resource.properties as { template: ArmTemplate; parameters?: Located['passed'] };
    return [...here, ...allResources(props.template, props.parameters)];
  });
}

/** The deployment (module) resource named `name` in the entry template. */
function moduleNamed(
  main: ArmTemplate,
  name: string,
): { template: ArmTemplate; parameters: Record<string, { value: unknown }> } {
  const dep = listResources(main).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name === name);
  if (!dep) throw new Error(`module ${name} not found in main.json`);
  return dep.properties as { template: ArmTemplate; parameters: Record<string, { value: unknown }> };
}

/** `[parameters('x')]` → x */
const paramRef = (value: unknown): string | undefined =>
  typeof value === 'string' ? /^\[parameters\('(\w+)'\)\]$/.exec(value)?.[1] : undefined;
/** `[variables('x')]` → x */
const varRef = (value: unknown): string | undefined =>
  typeof value === 'string' ? /^\[variables\('(\w+)'\)\]$/.exec(value)?.[1] : undefined;

function one(found: Located[], type: string): Located {
  const matches = found.filter((l) => l.resource.type === type);
  expect(matches).toHaveLength(1);
  return matches[0] as Located;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The role definition GUID of an assignment, following a variable or a parameter default when needed. */
function roleGuid(l: Located): string {
  const expr = String(l.resource.properties?.roleDefinitionId);
  const literal = GUID.exec(expr)?.[0];
  if (literal) return literal;
  const v = /variables\('(\w+)'\)/.exec(expr)?.[1];
  if (v) return String(l.template.variables?.[v]);
  const p = /parameters\('(\w+)'\)/.exec(expr)?.[1];
  if (p) return String(l.template.parameters?.[p]?.defaultValue);
  throw new Error(`cannot read role id from ${expr}`);
}

// Real event type names as the Event Grid SDK declares them (SystemEventNameToEventData keys).
function sdkSystemEventTypes(): Set<string> {
  const dts = path.join(path.dirname(require.resolve('@azure/eventgrid')), 'predicates.d.ts');
  return new Set([...fs.readFileSync(dts, 'utf8').matchAll(/"(Microsoft\.[\w.]+)":/g)].map((m) => m[1] as string));
}

// ---- expectations ----

const API_VERSIONS: Record<string, string> = {
  'Microsoft.Resources/resourceGroups': '2024-03-01',
  'Microsoft.Resources/deployments': '2025-04-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
  'Microsoft.OperationalInsights/workspaces': '2023-09-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.Storage/storageAccounts': '2025-01-01',
  'Microsoft.Storage/storageAccounts/blobServices': '2025-01-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2025-01-01',
  'Microsoft.Storage/storageAccounts/queueServices': '2025-01-01',
  'Microsoft.Storage/storageAccounts/queueServices/queues': '2025-01-01',
  'Microsoft.Storage/storageAccounts/tableServices': '2025-01-01',
  'Microsoft.Storage/storageAccounts/tableServices/tables': '2025-01-01',
  'Microsoft.Communication/communicationServices': '2025-09-01',
  'Microsoft.Web/serverfarms': '2024-11-01',
  'Microsoft.Web/sites': '2024-11-01',
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': '2024-11-01',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  'Microsoft.EventGrid/systemTopics': '2025-02-15',
  'Microsoft.EventGrid/systemTopics/eventSubscriptions': '2025-02-15',
};

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350',
};

const CHAT_EVENT_TYPES = [
  'Microsoft.Communication.ChatMessageReceivedInThread',
  'Microsoft.Communication.ChatMessageEditedInThread',
  'Microsoft.Communication.ChatMessageDeletedInThread',
  'Microsoft.Communication.ChatThreadCreated',
  'Microsoft.Communication.ChatThreadDeleted',
  'Microsoft.Communication.ChatThreadPropertiesUpdated',
  'Microsoft.Communication.ChatThreadParticipantAdded',
  'Microsoft.Communication.ChatThreadParticipantRemoved',
];

/** Settings the Functions host itself reads (not src/config.ts). */
const HOST_SETTINGS = ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'];
/** Classic-plan settings that Flex Consumption rejects or ignores, plus the key-bearing local-only ones. */
const FORBIDDEN_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  // Not supported on Linux Flex Consumption: timers run in UTC.
  'WEBSITE_TIME_ZONE',
  'AzureWebJobsStorage',
  'ACS_CONNECTION_STRING',
];
/** main.bicep parameters that become app settings with a default in src/config.ts. */
const PARAM_FOR_SETTING: Record<string, string> = {
  archiveContainerName: 'ARCHIVE_CONTAINER',
  scheduleDispatchCron: 'SCHEDULE_DISPATCH_CRON',
  archiveCron: 'ARCHIVE_CRON',
  housekeepingCron: 'HOUSEKEEPING_CRON',
  archiveDeleteAfterDays: 'ARCHIVE_DELETE_AFTER_DAYS',
  retentionDays: 'RETENTION_DAYS',
  botDisplayName: 'BOT_DISPLAY_NAME',
};
/** Anything that reads or spells out a credential. */
const KEY_PATTERN = /\blist\w*\(|AccountKey=|accesskey=|SharedAccessSignature|primaryKey|secondaryKey|\bsig=/i;

suite('infra: Bicep compiled to ARM JSON', () => {
  let outdir = '';
  let main: ArmTemplate;
  let resources: Located[];

  beforeAll(() => {
    if (!haveBicep) {
      throw new Error(
        `CI is set but the Bicep CLI is missing, so infra/ cannot be checked. Install it with ` +
          `\`bash scripts/install-bicep.sh\` (needs the .NET SDK) before \`npm test\`.\n${locate.stderr}`,
      );
    }
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
    // main.bicepparam reads these from the environment (azd sets them); build with the defaults.
    const env = { ...process.env };
    for (const name of Object.keys(env)) {
      if (/^(AZURE_ENV_NAME|AZURE_LOCATION|AZURE_RESOURCE_GROUP|ACS_.*|DEPLOY_EVENT_SUBSCRIPTION)$/.test(name)) {
        delete env[name];
      }
    }
    for (const s of SETTINGS) delete env[s.name];
    const build = spawnSync(process.execPath, [bicepScript, '--outdir', outdir], { encoding: 'utf8', env });
    if (build.status !== 0) {
      throw new Error(`scripts/bicep.js failed (errors or warnings):\n${build.stdout}\n${build.stderr}`);
    }
    main = JSON.parse(fs.readFileSync(path.join(outdir, 'main.json'), 'utf8')) as ArmTemplate;
    resources = allResources(main);
  }, 180_000);

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('builds every entry file (templates and parameters)', () => {
    for (const file of ['main.json', 'main.parameters.json', 'event-subscription.json']) {
      expect(fs.existsSync(path.join(outdir, file))).toBe(true);
    }
    const params = JSON.parse(fs.readFileSync(path.join(outdir, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: unknown }>;
    };
    // The first provision must not create the subscription: the function does not exist yet.
    expect(params.parameters.deployEventSubscription?.value).toBe(false);
    // The parameter file's fallbacks are the app's own defaults.
    for (const [param, setting] of Object.entries(PARAM_FOR_SETTING)) {
      const spec = SETTINGS.find((s) => s.name === setting);
      expect({ param, value: params.parameters[param]?.value }).toEqual({ param, value: spec?.defaultValue });
    }
  });

  it('uses the pinned API version for every resource, and nothing else', () => {
    const seen = new Set<string>();
    for (const { resource } of resources) {
      expect({ type: resource.type, apiVersion: API_VERSIONS[resource.type] }).toEqual({
        type: resource.type,
        apiVersion: resource.apiVersion,
      });
      seen.add(resource.type);
    }
    expect([...seen].sort()).toEqual(Object.keys(API_VERSIONS).sort());
  });

  it('creates ACS as a global resource with a dataLocation parameter', () => {
    const acs = one(resources, 'Microsoft.Communication/communicationServices');
    expect(acs.resource.location).toBe('global');
    expect(paramRef(acs.resource.properties?.dataLocation)).toBe('dataLocation');
    expect(paramRef(moduleNamed(main, 'communication').parameters.dataLocation?.value)).toBe('acsDataLocation');
    expect(main.parameters?.acsDataLocation?.defaultValue).toBe('United States');
  });

  it('locks the storage account down and creates private containers, the queues and the tables', () => {
    const storage = one(resources, 'Microsoft.Storage/storageAccounts').resource;
    expect(storage.properties).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
    const container = one(resources, 'Microsoft.Storage/storageAccounts/blobServices/containers').resource;
    expect(container.properties).toEqual({ publicAccess: 'None' });

    const storageModule = moduleNamed(main, 'storage');
    const containerNames = String(storageModule.parameters.containerNames?.value);
    expect(containerNames).toContain("parameters('archiveContainerName')");
    expect(containerNames).toContain("variables('deadLetterContainerName')");
    expect(containerNames).toContain("variables('deploymentContainerName')");
    expect(main.variables?.deadLetterContainerName).toBe('eventgrid-deadletter');
    // Exactly the queues and tables the app opens.
    const sorted = (names: unknown): string[] => [...(names as string[])].sort();
    expect(sorted(main.variables?.queueNames)).toEqual(sorted(Object.values(STORAGE_NAMES.queues)));
    expect(sorted(main.variables?.tableNames)).toEqual(sorted(Object.values(STORAGE_NAMES.tables)));
  });

  it('runs a Flex Consumption Function App on Node 22 with identity-based deployment storage', () => {
    const plan = one(resources, 'Microsoft.Web/serverfarms').resource;
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(plan.properties).toMatchObject({ reserved: true });

    const site = one(resources, 'Microsoft.Web/sites').resource;
    expect(site.kind).toBe('functionapp,linux');
    expect(String(site.tags)).toContain("'azd-service-name', 'api'");
    expect(site.identity?.type).toBe('UserAssigned');
    expect(site.properties).toMatchObject({
      httpsOnly: true,
      functionAppConfig: {
        runtime: { name: 'node', version: '22' },
        deployment: { storage: { type: 'blobContainer', authentication: { type: 'UserAssignedIdentity' } } },
      },
    });
  });

  describe('app settings', () => {
    const settingsOf = (): { name: string; value: string }[] => {
      const site = one(resources, 'Microsoft.Web/sites').resource;
      return (site.properties?.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings;
    };

    it('sets every setting the app needs in Azure, spelt as src/config.ts reads it', () => {
      const names = settingsOf().map((s) => s.name);
      expect(new Set(names).size).toBe(names.length);
      const azureSettings = SETTINGS.filter((s) => s.scope !== 'local').map((s) => s.name);
      expect(azureSettings.length).toBeGreaterThan(0);
      const missing = azureSettings.filter((n) => !names.includes(n));
      expect(missing).toEqual([]);
      const unknown = names.filter((n) => !azureSettings.includes(n) && !HOST_SETTINGS.includes(n));
      expect(unknown).toEqual([]);
    });

    it('sets no local-only, secret or classic-plan setting', () => {
      const names = settingsOf().map((s) => s.name);
      const localOrSecret = SETTINGS.filter((s) => s.scope === 'local' || s.secret).map((s) => s.name);
      expect(names.filter((n) => localOrSecret.includes(n) || FORBIDDEN_SETTINGS.includes(n))).toEqual([]);
    });

    it('wires each value to its source', () => {
      const value = (name: string): string => settingsOf().find((s) => s.name === name)?.value ?? '';
      const functionApp = moduleNamed(main, 'function-app');
      const passed = (name: string): string => {
        const p = paramRef(value(name));
        return p ? String(functionApp.parameters[p]?.value) : '';
      };
      expect(value('AzureWebJobsStorage__credential')).toBe('managedidentity');
      for (const kind of ['blob', 'queue', 'table']) {
        expect(value(`AzureWebJobsStorage__${kind}ServiceUri`)).toMatch(new RegExp(`primaryEndpoints\\.${kind}\\]$`));
      }
      expect(value('AzureWebJobsStorage__clientId')).toMatch(/reference\('identity'\)\.clientId/);
      expect(value('AZURE_CLIENT_ID')).toBe(value('AzureWebJobsStorage__clientId'));
      expect(passed('ACS_ENDPOINT')).toMatch(/'communication'.*\.outputs\.endpoint\.value\]$/);
      const acsEndpoint = moduleNamed(main, 'communication').template.outputs?.endpoint?.value;
      expect(acsEndpoint).toMatch(/^\[format\('https:\/\/\{0\}', reference\('acs'\)\.hostName\)\]$/);
      expect(value('APPLICATIONINSIGHTS_CONNECTION_STRING')).toMatch(/reference\('appInsights'\)\.ConnectionString/);
      expect(value('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain('Authorization=AAD');

      // Settings with defaults: main.bicep's parameter default is the app's own default.
      for (const [mainParam, setting] of Object.entries(PARAM_FOR_SETTING)) {
        expect(paramRef(passed(setting))).toBe(mainParam);
        const spec = SETTINGS.find((s) => s.name === setting);
        expect({ setting, value: main.parameters?.[mainParam]?.defaultValue }).toEqual({
          setting,
          value: spec?.defaultValue,
        });
      }
    });

    it('carries no key', () => {
      for (const s of settingsOf())
        expect({ name: s.name, hasKey: KEY_PATTERN.test(s.value) }).toEqual({ name: s.name, hasKey: false });
    });
  });

  it('grants the app identity its storage, telemetry and ACS roles, and the topic only dead-letter writes', () => {
    const assignments = resources
      .filter((l) => l.resource.type === 'Microsoft.Authorization/roleAssignments')
      .map((l) => ({
        role: roleGuid(l),
        principal: String(l.resource.properties?.principalId),
        principalType: l.resource.properties?.principalType,
        scope: String(l.resource.scope),
      }));
    for (const a of assignments) expect(a.principalType).toBe('ServicePrincipal');

    // The app's identity: the same user-assigned identity the site runs as.
    const forApp = assignments.filter((a) => /userAssignedIdentities.*\)\.principalId\]$/.test(a.principal));
    expect(moduleNamed(main, 'rbac').parameters.identityName).toEqual(
      moduleNamed(main, 'function-app').parameters.identityName,
    );
    const byRole = (role: string) => forApp.filter((a) => a.role === role).map((a) => a.scope);
    expect(forApp).toHaveLength(5);
    expect(byRole(ROLE.storageBlobDataOwner)).toEqual([expect.stringContaining('Microsoft.Storage/storageAccounts')]);
    expect(byRole(ROLE.storageQueueDataContributor)).toEqual([
      expect.stringContaining('Microsoft.Storage/storageAccounts'),
    ]);
    expect(byRole(ROLE.storageTableDataContributor)).toEqual([
      expect.stringContaining('Microsoft.Storage/storageAccounts'),
    ]);
    expect(byRole(ROLE.monitoringMetricsPublisher)).toEqual([expect.stringContaining('Microsoft.Insights/components')]);
    expect(byRole(ROLE.communicationAndEmailServiceOwner)).toEqual([
      expect.stringContaining('Microsoft.Communication/communicationServices'),
    ]);

    const forTopic = assignments.filter((a) => /reference\('topic'.*\)\.identity\.principalId\]$/.test(a.principal));
    expect(forTopic).toEqual([
      expect.objectContaining({
        role: ROLE.storageBlobDataContributor,
        scope: expect.stringMatching(/blobServices\/containers'.*parameters\('deadLetterContainerName'\)/),
      }),
    ]);
    expect(assignments).toHaveLength(forApp.length + forTopic.length);
  });

  it('creates the ACS system topic and, only when asked, the chat subscription to the bot function', () => {
    const topic = one(resources, 'Microsoft.EventGrid/systemTopics').resource;
    expect(topic.location).toBe('global');
    expect(topic.identity?.type).toBe('SystemAssigned');
    expect(topic.properties?.topicType).toBe('Microsoft.Communication.CommunicationServices');
    expect(String(topic.properties?.source)).toContain('Microsoft.Communication/communicationServices');

    const subModule = listResources(main).find((r) => r.name === 'event-subscription');
    expect(subModule?.condition).toBe("[parameters('deployEventSubscription')]");
    expect(main.parameters?.deployEventSubscription?.defaultValue).toBe(false);
    expect(varRef(moduleNamed(main, 'event-subscription').parameters.functionName?.value)).toBe('botFunctionName');
    expect(main.variables?.botFunctionName).toBe('acsChatEvents');

    const sub = one(resources, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const props = sub.resource.properties as {
      destination: { endpointType: string; properties: { resourceId: string; maxEventsPerBatch: number } };
      filter: { includedEventTypes: unknown };
      retryPolicy: Record<string, unknown>;
      deadLetterWithResourceIdentity: {
        identity: { type: string };
        deadLetterDestination: { endpointType: string; properties: { blobContainerName: string } };
      };
    };
    expect(props.destination.endpointType).toBe('AzureFunction');
    expect(props.destination.properties.resourceId).toMatch(/\/functions\/\{\d\}'.*parameters\('functionName'\)/);
    expect(props.destination.properties.maxEventsPerBatch).toBe(1);
    expect(Object.keys(props.retryPolicy).sort()).toEqual(['eventTimeToLiveInMinutes', 'maxDeliveryAttempts']);
    expect(props.deadLetterWithResourceIdentity.identity.type).toBe('SystemAssigned');
    expect(props.deadLetterWithResourceIdentity.deadLetterDestination.endpointType).toBe('StorageBlob');
    expect(paramRef(props.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName)).toBe(
      'deadLetterContainerName',
    );
    expect(varRef(moduleNamed(main, 'event-subscription').parameters.deadLetterContainerName?.value)).toBe(
      'deadLetterContainerName',
    );

    const filterVar = varRef(props.filter.includedEventTypes);
    const eventTypes = filterVar ? sub.template.variables?.[filterVar] : props.filter.includedEventTypes;
    expect(eventTypes).toEqual(CHAT_EVENT_TYPES);
    const known = sdkSystemEventTypes();
    expect(known.size).toBeGreaterThan(100);
    expect(CHAT_EVENT_TYPES.filter((t) => !known.has(t))).toEqual([]);
  });

  it('outputs what azd needs, and no output carries a key', () => {
    const outputs = main.outputs ?? {};
    for (const name of [
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_RESOURCE_GROUP',
      'SERVICE_API_NAME',
      'AZURE_FUNCTION_NAME',
      'ACS_ENDPOINT',
      'AZURE_STORAGE_BLOB_ENDPOINT',
      'AZURE_STORAGE_QUEUE_ENDPOINT',
      'AZURE_STORAGE_TABLE_ENDPOINT',
      'EVENTGRID_SYSTEM_TOPIC_NAME',
    ]) {
      expect(outputs).toHaveProperty(name);
    }
    const templates = [
      main,
      ...resources
        .filter((l) => l.resource.type === 'Microsoft.Resources/deployments')
        .map((l) => (l.resource.properties as { template: ArmTemplate }).template),
    ];
    for (const t of templates) {
      for (const [name, output] of Object.entries(t.outputs ?? {})) {
        expect({ name, type: output.type.toLowerCase() }).not.toEqual({ name, type: expect.stringMatching(/^secure/) });
        expect({ name, hasKey: KEY_PATTERN.test(JSON.stringify(output.value)) }).toEqual({ name, hasKey: false });
        expect(name).not.toMatch(/connectionstring|key|secret|password/i);
      }
    }
  });

  it('never reads a key anywhere in the template', () => {
    expect(JSON.stringify(main)).not.toMatch(/\blist\w*\(/);
  });
});

// Needs no compiler, so it runs everywhere.
it('azure.yaml has one function service and the post-deploy hook', () => {
  const yaml = fs.readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');
  expect(yaml).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}host: function$/m);
  expect(yaml).toMatch(/^ {4}language: ts$/m);
  expect(yaml).toMatch(/^ {2}postdeploy:$/m);
  for (const hook of ['infra/hooks/postdeploy.sh', 'infra/hooks/postdeploy.ps1']) {
    expect(yaml).toContain(hook);
    expect(fs.existsSync(path.join(repoRoot, hook))).toBe(true);
  }
});

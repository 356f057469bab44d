/**
 * Two projects:
 * - `app`: every test, the end-to-end suites on the local host (localhost/);
 * - `functions runtime`: the end-to-end suites listed below again, unchanged, on the genuine Azure Functions runtime
 *   (APP_TEST_HOST=functions; test/support/appStack.ts starts it instead of the local host). Without a runtime
 *   (localhost/stack/functionsRuntime.ts says where one is looked for) the project is left out with the reason
 *   printed, except under CI, where that is an error.
 */
const fs = require('fs');
const path = require('path');

/** Suites that drive the app end to end through a host (HTTP, queues, timers, Event Grid). */
const RUNTIME_SUITES = [
  'test/integration/api/badInput.test.ts',
  'test/integration/threads/createThread.test.ts',
  'test/integration/participants/bulkAdd.test.ts',
  'test/integration/schedules/scheduleDispatch.test.ts',
  'test/integration/schedules/scheduleRetries.test.ts',
  'test/integration/schedules/scheduleCrash.test.ts',
  'test/integration/archive/archive.test.ts',
  'test/integration/archive/archiveTimer.test.ts',
  'test/integration/bot/bot.test.ts',
  'test/integration/poison/poisonMessages.test.ts',
  'test/integration/host/stack/startStack.test.ts',
  'test/integration/runtime/**/*.test.ts',
];

const shared = {
  testEnvironment: 'node',
  transform: {
    // Type-checking happens in `npm run typecheck`; tests only transpile, which keeps them fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};

function runtimeProject() {
  const compiled = path.join(__dirname, 'dist', 'localhost', 'stack', 'functionsRuntime.js');
  const found = fs.existsSync(compiled)
    ? require(compiled).locateFunctionsRuntime({ projectDir: __dirname })
    : { missing: 'the project is not built (npm run build)' };
  if ('missing' in found) {
    const message = `The functions runtime suites cannot run: ${found.missing}`;
    if (process.env.CI) throw new Error(message);
    console.warn(`${message}; skipped.`);
    return [];
  }
  return [
    {
      ...shared,
      displayName: 'functions runtime',
      rootDir: __dirname,
      testMatch: RUNTIME_SUITES.map((suite) => `<rootDir>/${suite}`),
      setupFiles: ['<rootDir>/test/support/onFunctionsRuntime.js'],
    },
  ];
}

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // Most suites wait on servers and clocks rather than compute: four workers keep two cores busy.
  maxWorkers: 4,
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'app',
      rootDir: __dirname,
      roots: ['<rootDir>/test', '<rootDir>/emulator/test'],
      testMatch: ['**/*.test.ts'],
      // The runtime's own suites need the runtime; the others run on the local host here.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/runtime/'],
    },
    ...runtimeProject(),
  ],
};

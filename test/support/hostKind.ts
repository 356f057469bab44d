/**
 * Which Functions host the app's end-to-end suites run on: the local host (`localhost/`, the default) or the
 * genuine Azure Functions runtime (`APP_TEST_HOST=functions`; jest's `functions runtime` project sets it, see
 * jest.config.js). The same test files run on both.
 */
import { locateFunctionsRuntime, type FunctionsRuntime } from '../../localhost/stack/functionsRuntime';
import { REPO_ROOT } from './processes';

export type HostKind = 'local' | 'functions';

export function testHostKind(): HostKind {
  return process.env.APP_TEST_HOST === 'functions' ? 'functions' : 'local';
}

/** The runtime the `functions` suites use, or why there is none (they skip then, and fail under CI). */
export function testRuntime(): FunctionsRuntime | { missing: string } {
  return locateFunctionsRuntime({ projectDir: REPO_ROOT });
}

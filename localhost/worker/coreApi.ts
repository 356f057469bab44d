import Module from 'module';
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** What the app registered through `@azure/functions` while its files were loaded. */
export interface AppRegistry {
  functions: Map<string, RegisteredFunction>;
  hooks: Map<string, HookCallback[]>;
  model: ProgrammingModel | undefined;
}

export type SystemLog = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

function disposable(dispose: () => void): { dispose(): void } {
  return { dispose };
}

/** Builds the object the Node worker exposes as `@azure/functions-core`, recording into `registry`. */
export function createCoreApi(registry: AppRegistry, log: SystemLog): Record<string, unknown> {
  return {
    version: 'local',
    hostVersion: '4.x-local',
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
      if (registry.functions.has(metadata.name)) {
        throw new Error(`A function named "${metadata.name}" is already registered.`);
      }
      registry.functions.set(metadata.name, { metadata, callback });
      return disposable(() => registry.functions.delete(metadata.name));
    },
    registerHook(name: string, callback: HookCallback) {
      const list = registry.hooks.get(name) ?? [];
      list.push(callback);
      registry.hooks.set(name, list);
      return disposable(() => {
        const index = list.indexOf(callback);
        if (index >= 0) list.splice(index, 1);
      });
    },
    setProgrammingModel(model: ProgrammingModel) {
      registry.model = model;
    },
    getProgrammingModel() {
      return registry.model;
    },
    log,
  };
}

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Makes `require('@azure/functions-core')` return `coreApi`, as the worker does by proxying require.
 * Returns a function that restores the original loader.
 */
export function installCoreApi(coreApi: Record<string, unknown>): () => void {
  // Module._load is internal and untyped; this is the one boundary where we reach into it.
  const mod = Module as unknown as { _load: LoadFn };
  const original = mod._load;
  mod._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return coreApi;
    return original.call(this, request, parent, isMain);
  };
  return () => {
    mod._load = original;
  };
}

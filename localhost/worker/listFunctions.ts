import { loadApp, triggerOf } from './loadApp';
import type { LogSink } from './log';

export interface FunctionListing {
  name: string;
  trigger: string;
}

/** Loads the app (settings and code, no appStart hooks, nothing served) and lists its functions. */
export async function listFunctions(appDir: string, sink: LogSink): Promise<FunctionListing[]> {
  const app = await loadApp(appDir, sink);
  try {
    return [...app.registry.functions.values()].map((fn) => ({
      name: fn.metadata.name,
      trigger: String(triggerOf(fn).binding.type),
    }));
  } finally {
    app.uninstall();
  }
}

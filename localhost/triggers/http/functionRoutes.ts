import type { RegisteredFunction } from '../../worker/coreApi';
import { functionsWithTrigger, triggerOf, type LoadedApp } from '../../worker/loadApp';
import { compileRoute, type CompiledRoute } from './routeTemplates';

export interface HttpFunction {
  fn: RegisteredFunction;
  name: string;
  route: string;
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
}

/** Compiles every HTTP trigger's route template once, at start. */
export function compileHttpRoutes(app: LoadedApp): CompiledRoute<HttpFunction>[] {
  const routes: CompiledRoute<HttpFunction>[] = [];
  for (const fn of functionsWithTrigger(app, 'httptrigger')) {
    const binding = triggerOf(fn).binding;
    const name = fn.metadata.name;
    const route = typeof binding.route === 'string' && binding.route !== '' ? binding.route : name;
    const methods = Array.isArray(binding.methods)
      ? binding.methods.map((m) => String(m).toUpperCase())
      : ['GET', 'POST'];
    const level = String(binding.authLevel ?? 'anonymous').toLowerCase();
    const authLevel = level === 'function' || level === 'admin' ? level : 'anonymous';
    try {
      routes.push(compileRoute(route, { fn, name, route, methods, authLevel }));
    } catch (err) {
      throw new Error(`Function "${name}": ${(err as Error).message}`);
    }
  }
  return routes;
}

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

export interface HttpRoutes {
  /** In the runtime's order: by function name, case-insensitively (the first match wins). */
  routes: CompiledRoute<HttpFunction>[];
  /** Functions the runtime refuses to route, with its reason; the host runs without them, as the runtime does. */
  inError: { name: string; reason: string }[];
}

/** Route prefixes of the runtime's own APIs (`/admin/…`, `/runtime/…`): a function route may not start with them. */
const RESERVED = /^(admin|runtime)/i;

const byName = (a: RegisteredFunction, b: RegisteredFunction): number => {
  const [x, y] = [a.metadata.name.toLowerCase(), b.metadata.name.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Compiles every HTTP trigger's route template once, at start, checked as the runtime checks them: a route under a
 * reserved prefix, or the same template with an overlapping method as a function earlier in name order, puts the
 * function in error.
 */
export function compileHttpRoutes(app: LoadedApp): HttpRoutes {
  const routes: CompiledRoute<HttpFunction>[] = [];
  const inError: HttpRoutes['inError'] = [];
  for (const fn of [...functionsWithTrigger(app, 'httptrigger')].sort(byName)) {
    const binding = triggerOf(fn).binding;
    const name = fn.metadata.name;
    const route = typeof binding.route === 'string' && binding.route !== '' ? binding.route : name;
    const methods = Array.isArray(binding.methods)
      ? binding.methods.map((m) => String(m).toUpperCase())
      : ['GET', 'POST'];
    const level = String(binding.authLevel ?? 'anonymous').toLowerCase();
    const authLevel = level === 'function' || level === 'admin' ? level : 'anonymous';
    const template = route.replace(/^\/+/, '');
    if (RESERVED.test(template)) {
      inError.push({ name, reason: 'The specified route conflicts with one or more built in routes.' });
      continue;
    }
    const clash = routes.find(
      (r) => r.template.toLowerCase() === template.toLowerCase() && r.value.methods.some((m) => methods.includes(m)),
    );
    if (clash) {
      inError.push({
        name,
        reason: `The route specified conflicts with the route defined by function '${clash.value.name}'.`,
      });
      continue;
    }
    try {
      routes.push(compileRoute(template, { fn, name, route, methods, authLevel }));
    } catch (err) {
      throw new Error(`Function "${name}": ${(err as Error).message}`);
    }
  }
  return { routes, inError };
}

import { Errors, type ErrorSurface } from '../errors/AcsErrorFactory';
import type { OperationName } from '../faults/operations';

export interface RouteMatch<H> {
  route: Route<H>;
  params: Record<string, string>;
}

export interface Route<H> {
  method: string;
  /** segments; `{name}` captures one percent-decoded segment */
  path: string;
  surface: ErrorSurface;
  operation?: OperationName;
  handler: H;
}

interface CompiledRoute<H> {
  route: Route<H>;
  segments: string[];
}

/** Matches percent-encoded paths against route patterns; distinguishes unknown paths (404) from wrong methods (405). */
export class Router<H> {
  private readonly routes: CompiledRoute<H>[] = [];

  add(route: Route<H>): this {
    this.routes.push({ route, segments: route.path.split('/').filter((s) => s !== '') });
    return this;
  }

  match(method: string, rawPath: string): RouteMatch<H> {
    let segments: string[];
    try {
      segments = rawPath
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      throw Errors.badRequest(`The request path is not valid percent-encoding: ${rawPath}`);
    }
    const allowed: string[] = [];
    for (const c of this.routes) {
      const params = matchSegments(c.segments, segments);
      if (!params) continue;
      if (c.route.method === method) return { route: c.route, params };
      allowed.push(c.route.method);
    }
    if (allowed.length > 0) throw Errors.methodNotAllowed(method, [...new Set(allowed)]);
    throw Errors.routeNotFound(method, rawPath);
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = a;
    else if (p !== a) return undefined;
  }
  return params;
}

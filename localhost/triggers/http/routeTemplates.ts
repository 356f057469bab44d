// ASP.NET-style route templates as Functions uses them: {id}, {id?}, {id:int}, {*rest}; case-insensitive.
// The runtime puts them in one ASP.NET RouteCollection in function-name order and takes the first route whose
// template, constraints and method all match: there is no literal-before-parameter precedence, and a wrong method
// falls through to the next route (404 when none is left, never 405).
// Hand-written on purpose: npm routers (path-to-regexp, find-my-way) speak other template syntaxes, without ASP.NET's
// inline constraints.

type Constraint = (value: string) => boolean;

interface Segment {
  regex: RegExp;
  names: string[];
  optional: boolean;
  catchAll: boolean;
  constraints: Map<string, Constraint[]>;
}

export interface CompiledRoute<T> {
  template: string;
  segments: Segment[];
  value: T;
}

export interface RouteMatch<T> {
  route: CompiledRoute<T>;
  params: Record<string, string>;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

function constraintOf(spec: string, template: string): Constraint {
  const call = /^(\w+)(?:\((.*)\))?$/s.exec(spec);
  if (!call) throw new Error(`route '${template}': bad constraint '${spec}'`);
  const [, kind = '', rawArgs] = call;
  const args = rawArgs === undefined ? [] : kind === 'regex' ? [rawArgs] : rawArgs.split(',').map((a) => a.trim());
  const n = (i: number): number => {
    const value = Number(args[i]);
    if (!Number.isFinite(value)) throw new Error(`route '${template}': constraint '${spec}' needs a number`);
    return value;
  };
  switch (kind.toLowerCase()) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => NUMBER.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'min':
      return (v) => /^-?\d+$/.test(v) && Number(v) >= n(0);
    case 'max':
      return (v) => /^-?\d+$/.test(v) && Number(v) <= n(0);
    case 'range':
      return (v) => /^-?\d+$/.test(v) && Number(v) >= n(0) && Number(v) <= n(1);
    case 'minlength':
      return (v) => v.length >= n(0);
    case 'maxlength':
      return (v) => v.length <= n(0);
    case 'length':
      return args.length > 1 ? (v) => v.length >= n(0) && v.length <= n(1) : (v) => v.length === n(0);
    case 'regex': {
      const regex = new RegExp(args[0] ?? '', 'i');
      return (v) => regex.test(v);
    }
    default:
      throw new Error(`route '${template}': unknown constraint '${kind}'`);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(text: string, template: string): Segment {
  const names: string[] = [];
  const constraints = new Map<string, Constraint[]>();
  let pattern = '';
  let optional = false;
  let catchAll = false;
  let last = 0;
  const tokens = /\{([^{}]+)\}/g;
  for (let m = tokens.exec(text); m; m = tokens.exec(text)) {
    pattern += escapeRegex(text.slice(last, m.index));
    last = m.index + m[0].length;
    let body = m[1] ?? '';
    if (body.startsWith('*')) {
      catchAll = true;
      body = body.replace(/^\*+/, '');
    }
    if (body.endsWith('?')) {
      optional = true;
      body = body.slice(0, -1);
    }
    const [name = '', ...specs] = body.split(':');
    if (!/^\w+$/.test(name)) throw new Error(`route '${template}': bad parameter '{${m[1]}}'`);
    names.push(name);
    if (specs.length > 0) {
      constraints.set(
        name,
        specs.map((spec) => constraintOf(spec, template)),
      );
    }
    pattern += catchAll ? '(.*)' : '(.+?)';
  }
  pattern += escapeRegex(text.slice(last));
  if (/[{}]/.test(text.replace(/\{[^{}]+\}/g, ''))) throw new Error(`route '${template}': unbalanced braces`);
  return { regex: new RegExp(`^${pattern}$`, 'is'), names, optional, catchAll, constraints };
}

export function compileRoute<T>(template: string, value: T): CompiledRoute<T> {
  const parts = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((p) => p !== '');
  const segments = parts.map((part) => compileSegment(part, template));
  const seen = new Set<string>();
  segments.forEach((segment, i) => {
    for (const name of segment.names) {
      if (seen.has(name.toLowerCase())) throw new Error(`route '${template}': parameter '${name}' appears twice`);
      seen.add(name.toLowerCase());
    }
    if (segment.catchAll && i !== segments.length - 1) {
      throw new Error(`route '${template}': a catch-all parameter must be the last segment`);
    }
  });
  return { template, segments, value };
}

function matchSegment(segment: Segment, text: string, params: Record<string, string>): boolean {
  const m = segment.regex.exec(text);
  if (!m) return false;
  for (let i = 0; i < segment.names.length; i++) {
    const name = segment.names[i] as string;
    const value = m[i + 1] ?? '';
    for (const check of segment.constraints.get(name) ?? []) if (!check(value)) return false;
    params[name] = value;
  }
  return true;
}

/** Matches decoded path segments (after the route prefix) against one route. */
export function matchRoute<T>(route: CompiledRoute<T>, pathSegments: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  const { segments } = route;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if (segment.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest === '') return params;
      return matchSegment(segment, rest, params) ? params : null;
    }
    const text = pathSegments[i];
    if (text === undefined) {
      // Missing trailing segments are fine only when every remaining one is optional.
      return segments.slice(i).every((s) => s.optional || s.catchAll) ? params : null;
    }
    if (!matchSegment(segment, text, params)) return null;
  }
  return pathSegments.length === segments.length ? params : null;
}

/** The first route, in the given order, whose template matches the path and that accepts `method`. */
export function findRoute<T extends { methods: readonly string[] }>(
  routes: readonly CompiledRoute<T>[],
  pathSegments: string[],
  method: string,
): RouteMatch<T> | undefined {
  for (const route of routes) {
    if (!route.value.methods.includes(method)) continue;
    const params = matchRoute(route, pathSegments);
    if (params) return { route, params };
  }
  return undefined;
}

/**
 * Splits a raw URL path into decoded segments, as ASP.NET decodes a path: every escape but `%2F`, which stays
 * `%2F` (an encoded slash is not a separator, and route values keep it encoded); a segment whose escapes are not
 * valid UTF-8 is kept as sent.
 */
export function splitPath(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p.replace(/%2F/gi, '%252F'));
      } catch {
        return p;
      }
    });
}

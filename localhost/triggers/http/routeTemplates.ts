// ASP.NET-style route templates as Functions uses them: {id}, {id?}, {id:int}, {*rest}; case-insensitive,
// literal segments beat parameters.
// Hand-written on purpose: npm routers (path-to-regexp, find-my-way) speak other template syntaxes, with neither
// ASP.NET's inline constraints nor its literal-before-parameter precedence.

type Constraint = (value: string) => boolean;

interface Segment {
  /** 0 literal, 1 constrained parameter, 2 parameter, 3 optional parameter, 4 catch-all (lower wins). */
  rank: number;
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
  let constrained = false;
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
      constrained = true;
      constraints.set(
        name,
        specs.map((spec) => constraintOf(spec, template)),
      );
    }
    pattern += catchAll ? '(.*)' : '(.+?)';
  }
  pattern += escapeRegex(text.slice(last));
  if (/[{}]/.test(text.replace(/\{[^{}]+\}/g, ''))) throw new Error(`route '${template}': unbalanced braces`);
  const rank = names.length === 0 ? 0 : catchAll ? 4 : optional ? 3 : constrained ? 1 : 2;
  return { rank, regex: new RegExp(`^${pattern}$`, 'is'), names, optional, catchAll, constraints };
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

function compareRoutes<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const ra = a.segments[i]?.rank ?? -1;
    const rb = b.segments[i]?.rank ?? -1;
    if (ra !== rb) return ra - rb;
  }
  return b.segments.length - a.segments.length;
}

/** Every route matching the path, most specific first. */
export function findRoutes<T>(routes: CompiledRoute<T>[], pathSegments: string[]): RouteMatch<T>[] {
  const matches: RouteMatch<T>[] = [];
  for (const route of routes) {
    const params = matchRoute(route, pathSegments);
    if (params) matches.push({ route, params });
  }
  return matches.sort((x, y) => compareRoutes(x.route, y.route));
}

/** Splits a raw URL path into decoded segments; null when the encoding is invalid. */
export function splitPath(rawPath: string): string[] | null {
  try {
    return rawPath
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
  } catch {
    return null;
  }
}

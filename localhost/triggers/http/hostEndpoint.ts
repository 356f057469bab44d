import type { IncomingMessage, ServerResponse } from 'http';

/**
 * A URL area the host itself serves (the admin API, an extension's webhook) rather than a function route.
 * The HTTP server receives a table of these and tries them, in order, before the function routes; the
 * endpoints bring their own dependencies, so the server imports none of them.
 */
export interface HostEndpoint {
  /** Leading path segments this endpoint owns, matched case-insensitively (e.g. `['admin']`). */
  path: readonly string[];
  /** When the host has a function key, requests must carry it before `handle` runs. */
  requiresKey: boolean;
  /** `segments` is the whole decoded request path, including `path`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, segments: string[]): Promise<void>;
}

/** The first endpoint whose `path` starts `segments`, if any. */
export function findEndpoint(endpoints: readonly HostEndpoint[], segments: string[]): HostEndpoint | undefined {
  return endpoints.find((endpoint) =>
    endpoint.path.every((part, index) => segments[index]?.toLowerCase() === part.toLowerCase()),
  );
}

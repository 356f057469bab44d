import { AcsError, Errors } from '../errors/AcsErrorFactory';
import type { Metadata } from '../model/types';

export type JsonObject = Record<string, unknown>;

/** Parses a JSON object body. An empty body is `{}` when allowed. */
export function parseJsonObject(body: Buffer, allowEmpty = true): JsonObject {
  if (body.length === 0) {
    if (allowEmpty) return {};
    throw Errors.badRequest('A JSON request body is required.');
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw Errors.malformedJson((err as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw Errors.badRequest('The request body must be a JSON object.');
  }
  return value as JsonObject;
}

export function optionalString(o: JsonObject, field: string, path = field): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw Errors.invalidField(path, 'must be a string');
  return v;
}

export function requireString(o: JsonObject, field: string, path = field): string {
  const v = optionalString(o, field, path);
  if (v === undefined) throw Errors.missingField(path);
  return v;
}

export function optionalObject(o: JsonObject, field: string, path = field): JsonObject | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw Errors.invalidField(path, 'must be a JSON object');
  return v as JsonObject;
}

export function optionalArray(o: JsonObject, field: string, path = field): unknown[] | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw Errors.invalidField(path, 'must be an array');
  return v;
}

/** Byte size of a string map: sum of UTF-8 key and value lengths. */
function metadataBytes(m: Record<string, string | null>): number {
  let n = 0;
  for (const [k, v] of Object.entries(m)) n += Buffer.byteLength(k) + (v === null ? 0 : Buffer.byteLength(v));
  return n;
}

/** A string->string map; `allowNull` for merge-patch (null deletes). `maxBytes` limits the total size. */
export function parseMetadata(
  v: unknown,
  path: string,
  opts: { allowNull: boolean; maxBytes?: number },
): Record<string, string | null> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw Errors.invalidField(path, 'must be an object of string values');
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(v as JsonObject)) {
    if (typeof val === 'string') out[k] = val;
    else if (val === null && opts.allowNull) out[k] = null;
    else throw Errors.invalidField(`${path}.${k}`, 'must be a string');
  }
  if (opts.maxBytes !== undefined && metadataBytes(out) > opts.maxBytes) {
    throw Errors.invalidField(path, `must not exceed ${opts.maxBytes} bytes in total (keys + values)`);
  }
  return out;
}

export function parseStrictMetadata(v: unknown, path: string, maxBytes?: number): Metadata | undefined {
  return parseMetadata(v, path, { allowNull: false, ...(maxBytes === undefined ? {} : { maxBytes }) }) as
    Metadata | undefined;
}

export function isAcsError(err: unknown): err is AcsError {
  return err instanceof AcsError;
}

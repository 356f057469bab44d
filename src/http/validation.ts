/**
 * Turns zod issues into the problem+json field errors of the API: the JSON path of each bad field, the rule it
 * broke (with its limit) and a sentence a person can act on. zod is the one way input is validated in the app.
 */
import type { z } from 'zod';
import type { FieldError } from './problem';

export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(body)';
}

/** `input` is what was validated: zod does not keep it in issues, and a missing field is told apart by it. */
export function toFieldErrors(error: z.ZodError, input: unknown, root = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: fieldPath([...issue.path, key], root), rule: 'unknown', message: 'is not a known field' });
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    out.push({
      field: fieldPath(issue.path, root),
      rule: missing ? 'required' : ruleOf(issue),
      message: missing ? 'is required' : issue.message,
    });
  }
  return out;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `type:${issue.expected}`;
    case 'too_big':
      return `${issue.origin === 'array' ? 'maxItems' : issue.origin === 'string' ? 'maxLength' : 'max'}:${String(issue.maximum)}`;
    case 'too_small':
      return `${issue.origin === 'array' ? 'minItems' : issue.origin === 'string' ? 'minLength' : 'min'}:${String(issue.minimum)}`;
    case 'invalid_format':
      return `format:${issue.format}`;
    case 'invalid_value':
      return 'enum';
    case 'custom':
      return typeof issue.params?.['rule'] === 'string' ? issue.params['rule'] : 'invalid';
    default:
      return issue.code;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

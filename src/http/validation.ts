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

export function toFieldErrors(error: z.ZodError, root = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: fieldPath([...issue.path, key], root), rule: 'unknown', message: 'is not a known field' });
      }
      continue;
    }
    out.push({ field: fieldPath(issue.path, root), rule: ruleOf(issue), message: messageOf(issue) });
  }
  return out;
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `type:${issue.expected}`;
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

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

/**
 * The page's files: `index.html` and `inspector.css` as written (src/inspector/page), the scripts as compiled from
 * src/inspector/page/*.ts (dist/inspector-page/page). Read on first use and kept: nothing is read unless a page is
 * opened.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

// This file runs from src/inspector (tests) or dist/inspector (built): both are two levels below the package.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIR = path.join(PACKAGE_ROOT, 'src', 'inspector', 'page');
const BUILD_DIR = path.join(PACKAGE_ROOT, 'dist', 'inspector-page', 'page');

export interface Asset {
  body: Buffer;
  contentType: string;
}

const NAME = /^[a-z][a-zA-Z0-9-]*\.(js|css|html)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

const cache = new Map<string, Asset>();

/** The asset of that name, or undefined when there is none (or the page was not built). */
export function asset(name: string): Asset | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  const match = NAME.exec(name);
  if (!match) return undefined;
  const ext = match[1] as string;
  const file = path.join(ext === 'js' ? BUILD_DIR : SOURCE_DIR, name);
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    return undefined;
  }
  const found = { body, contentType: TYPES[ext] as string };
  cache.set(name, found);
  return found;
}

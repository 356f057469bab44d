/** Chat timestamps: second precision, UTC `Z` (acs-rest-api.md §6). */
let lastSecond = -1;
let lastText = '';

export function chatTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    // Consecutive messages usually share a second: format once.
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Identity `expiresOn`: 7 fractional digits and `+00:00`, like the service. */
export function identityTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${iso.slice(0, 23)}0000+00:00`;
}

export const EPOCH_SHARE_HISTORY = 0;

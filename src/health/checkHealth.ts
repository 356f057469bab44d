/** Runs dependency probes in parallel, each bounded by a timeout, and reports which are down. */

export interface DependencyProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  checks: Record<string, DependencyStatus>;
  down: string[];
}

export async function checkHealth(probes: readonly DependencyProbe[], timeoutMs = 5_000): Promise<HealthReport> {
  const results = await Promise.all(
    probes.map(async (probe) => [probe.name, await runProbe(probe, timeoutMs)] as const),
  );
  const checks = Object.fromEntries(results);
  const down = results.filter(([, r]) => r.status === 'down').map(([name]) => name);
  return { status: down.length === 0 ? 'healthy' : 'unhealthy', checks, down };
}

async function runProbe(probe: DependencyProbe, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([probe.check(controller.signal), timeout]);
    return { status: 'up', durationMs: elapsed(started) };
  } catch (error) {
    return { status: 'down', durationMs: elapsed(started), error: describeFailure(error) };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number): number => Math.round(performance.now() - started);

/** A short, secret-free reason: SDK errors can quote request URLs and headers, so keep only code and status. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const parts = [
    typeof code === 'string' ? code : undefined,
    typeof statusCode === 'number' ? `HTTP ${statusCode}` : undefined,
  ];
  const summary = parts.filter(Boolean).join(', ');
  if (summary) return summary;
  return redactSecrets(error.message).slice(0, 200);
}

export function redactSecrets(text: string): string {
  return text.replace(/(accesskey|accountkey|sig|code|token)=([^;&\s"]+)/gi, '$1=[redacted]');
}

import { app } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { health as operation } from '../api/health';
import { getConfig } from '../config';
import { checkHealth } from '../health/checkHealth';
import { acsProbe, storageProbe } from '../health/probes';
import { httpTrigger } from '../http/operation';
import { getServiceIdentity, getStorage } from '../services';

export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const [storage, serviceIdentity] = await Promise.all([getStorage(), getServiceIdentity()]);
  const report = await checkHealth([
    storageProbe(storage),
    acsProbe(getConfig().acs.endpoint, () => serviceIdentity.token()),
  ]);
  if (report.status !== 'healthy') context.warn(`Unhealthy: ${report.down.join(', ')} down`);
  return {
    status: report.status === 'healthy' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    jsonBody: report,
  };
}

app.http('health', { ...httpTrigger(operation), handler: health });

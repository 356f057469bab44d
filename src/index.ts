/**
 * Loaded first by the Functions worker (package.json `main`). Validating the configuration here makes a missing
 * or malformed setting stop start-up with its name, instead of failing on the first request.
 */
import { app } from '@azure/functions';
import { getConfig } from './config';

getConfig();

// HTTP bodies travel as streams between the host and the worker: a response (the archive read-back) goes out as
// it is produced instead of being collected in memory first. Must be set before the worker asks for capabilities.
app.setup({ enableHttpStream: true });

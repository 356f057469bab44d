/**
 * Loaded first by the Functions worker (package.json `main`). Validating the configuration here makes a missing
 * or malformed setting stop start-up with its name, instead of failing on the first request.
 */
import { getConfig } from './config';

getConfig();

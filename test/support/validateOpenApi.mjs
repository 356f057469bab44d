// Validates an OpenAPI document (JSON on stdin) against the official OpenAPI schema for its version.
// A separate Node process because the validator is an ES module, which jest's CommonJS runtime cannot load.
import { Validator } from '@seriousme/openapi-schema-validator';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const result = await new Validator().validate(JSON.parse(text));
process.stdout.write(JSON.stringify(result));

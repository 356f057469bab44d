import { parseArgs } from 'util';

export interface CliOptions {
  appDir: string;
  /** undefined: local.settings.json Host.LocalHttpPort, else 7071. */
  port: number | undefined;
  host: string;
  functionKey: string | undefined;
}

export const USAGE =
  'Usage: node dist/localhost/cli.js [--app-dir DIR] [--port 7071] [--host 127.0.0.1] [--function-key KEY] [--list]';

const FLAGS = {
  'app-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'function-key': { type: 'string' },
} as const;

/** Parses the host CLI flags (`--flag value` or `--flag=value`); throws with a message naming the flag on bad input. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  // Non-strict, so that the messages below (not parseArgs's own) name what is wrong; checked in argv order.
  const { values, tokens } = parseArgs({
    args: argv,
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option' || !Object.hasOwn(FLAGS, token.name)) {
      throw new Error(`unknown option '${argv[token.index]}'`);
    }
    if (!token.value) throw new Error(`${token.rawName} needs a value`);
    if (token.name === 'port') portNumber(token.value);
  }
  const text = (name: keyof typeof FLAGS): string | undefined => values[name] as string | undefined;
  const port = text('port');
  return {
    appDir: text('app-dir') ?? process.cwd(),
    port: port === undefined ? undefined : portNumber(port),
    host: text('host') ?? '127.0.0.1',
    functionKey: text('function-key') ?? (env.LOCAL_FUNCTION_KEY || undefined),
  };
}

function portNumber(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new Error(`--port must be an integer 0-65535, got '${raw}'`);
  return Number(raw);
}

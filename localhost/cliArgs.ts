export interface CliOptions {
  appDir: string;
  /** undefined: local.settings.json Host.LocalHttpPort, else 7071. */
  port: number | undefined;
  host: string;
  functionKey: string | undefined;
}

export const USAGE =
  'Usage: node dist/localhost/cli.js [--app-dir DIR] [--port 7071] [--host 127.0.0.1] [--function-key KEY] [--list]';

/** Parses the host CLI flags; throws with a message naming the flag on bad input. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const options: CliOptions = {
    appDir: process.cwd(),
    port: undefined,
    host: '127.0.0.1',
    functionKey: env.LOCAL_FUNCTION_KEY || undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const [name, inline] = flag.includes('=') ? flag.split(/=(.*)/s, 2) : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--app-dir':
        options.appDir = value();
        break;
      case '--port': {
        const raw = value();
        const port = Number(raw);
        if (!/^\d+$/.test(raw) || port > 65535) throw new Error(`--port must be an integer 0-65535, got '${raw}'`);
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--function-key':
        options.functionKey = value();
        break;
      default:
        throw new Error(`unknown option '${flag}'`);
    }
  }
  return options;
}

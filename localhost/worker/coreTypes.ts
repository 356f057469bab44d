// The slice of the worker contract (`@azure/functions-core`) that the local host implements.
// The library defines these types internally; they are restated here so the host stays dependency-free.

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
  enableContentNegotiation?: boolean;
}

export interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string | number | null;
  maxAge?: { value?: number } | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
}

export interface RpcBindingInfo {
  type?: string;
  direction?: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: Record<string, unknown>) => unknown;

export interface RpcInvocationResponse {
  invocationId?: string;
  returnValue?: RpcTypedData | null;
  outputData?: { name?: string; data?: RpcTypedData | null }[];
}

export interface InvocationModel {
  getArguments(): Promise<{ context: InvocationContextLike; inputs: unknown[] }>;
  invokeFunction(context: InvocationContextLike, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: InvocationContextLike, result: unknown): Promise<RpcInvocationResponse>;
}

export interface InvocationContextLike {
  invocationId: string;
  functionName: string;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata: Record<string, RpcTypedData>;
    retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
  };
  metadata: FunctionMetadata;
  state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

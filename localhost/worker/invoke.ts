import { randomUUID } from 'crypto';
import type { RegisteredFunction } from './coreApi';
import type { CoreInvocationContext, RpcInvocationResponse, RpcTypedData } from './coreTypes';
import { triggerOf, type LoadedApp } from './loadApp';
import { describeError, type LogSink } from './log';

export interface InvocationRequest {
  /** Set by a caller that must name the invocation before it starts (HTTP streaming correlates by it). */
  invocationId?: string;
  data: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  retryContext?: CoreInvocationContext['request']['retryContext'];
}

export type InvocationResult =
  | {
      ok: true;
      invocationId: string;
      durationMs: number;
      response: RpcInvocationResponse;
      /** Whether the function (after postInvocation hooks) returned anything. */
      returned: boolean;
    }
  | { ok: false; invocationId: string; durationMs: number; error: unknown };

/**
 * Runs one invocation exactly as the worker does: the library's InvocationModel builds the arguments,
 * pre/postInvocation hooks wrap the handler, and getResponse converts the result.
 */
export async function invoke(
  app: LoadedApp,
  fn: RegisteredFunction,
  request: InvocationRequest,
  sink: LogSink,
): Promise<InvocationResult> {
  const invocationId = request.invocationId ?? randomUUID();
  const name = fn.metadata.name;
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number((process.hrtime.bigint() - started) / 1_000_000n);
  const model = app.registry.model;
  const coreCtx: CoreInvocationContext = {
    invocationId,
    metadata: fn.metadata,
    request: {
      invocationId,
      inputData: [{ name: triggerOf(fn).name, data: request.data }],
      triggerMetadata: request.triggerMetadata ?? {},
      retryContext: request.retryContext,
    },
    log: (level, category, message) =>
      sink(
        level,
        category === 'user' ? `Functions.${name}: ${message}` : `Functions.${name} (Id=${invocationId}): ${message}`,
      ),
  };
  sink('information', `Executing 'Functions.${name}' (Id=${invocationId})`);
  let result: unknown;
  let error: unknown;
  let failed = false;
  try {
    if (!model) throw new Error('the app never registered a programming model');
    const invocationModel = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};
    const preCtx: Record<string, unknown> = {
      hookData,
      appHookData: app.appHookData,
      invocationContext: context,
      inputs,
      functionCallback: fn.callback,
    };
    coreCtx.state = 'preInvocationHooks';
    for (const hook of app.registry.hooks.get('preInvocation') ?? []) await hook(preCtx);
    coreCtx.state = 'invocation';
    const finalInputs = preCtx.inputs as unknown[];
    try {
      result = await invocationModel.invokeFunction(
        context,
        finalInputs,
        preCtx.functionCallback as RegisteredFunction['callback'],
      );
    } catch (err) {
      error = err;
      failed = true;
    }
    const postCtx: Record<string, unknown> = {
      hookData,
      appHookData: app.appHookData,
      invocationContext: context,
      inputs: finalInputs,
      result,
      error,
    };
    coreCtx.state = 'postInvocationHooks';
    for (const hook of app.registry.hooks.get('postInvocation') ?? []) await hook(postCtx);
    coreCtx.state = undefined;
    // A postInvocation hook may clear or replace the error, as in the worker.
    failed = postCtx.error !== undefined && postCtx.error !== null;
    error = postCtx.error;
    if (!failed) {
      const response = await invocationModel.getResponse(context, postCtx.result);
      const durationMs = elapsed();
      sink('information', `Executed 'Functions.${name}' (Succeeded, Id=${invocationId}, Duration=${durationMs}ms)`);
      const returned = postCtx.result !== undefined && postCtx.result !== null;
      return { ok: true, invocationId, durationMs, response, returned };
    }
  } catch (err) {
    error = err;
    failed = true;
  }
  const durationMs = elapsed();
  sink('error', `Executed 'Functions.${name}' (Failed, Id=${invocationId}, Duration=${durationMs}ms)`);
  sink('error', `Functions.${name} (Id=${invocationId}) error: ${describeError(error)}`);
  return { ok: false, invocationId, durationMs, error };
}

/**
 * IPC routing: every invoke is checked for its sender (the main window, showing the app's own
 * origin), its channel (known channels only) and its payload (zod). Anything else is rejected with
 * a clear error before a handler runs.
 */
import { CHANNELS, PAYLOAD_SCHEMAS, type ApiMethod, type ApiResults, type Payload } from './api';

export type ApiHandlers = { [M in ApiMethod]: (payload: Payload<M>) => Promise<ApiResults[M]> };

/** The parts of IpcMainInvokeEvent the checks read. */
export interface InvokeEvent {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

export class IpcRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcRejectedError';
  }
}

const METHOD_BY_CHANNEL: ReadonlyMap<string, ApiMethod> = new Map(
  (Object.keys(CHANNELS) as ApiMethod[]).map((method) => [CHANNELS[method], method]),
);

export interface IpcRouterDeps {
  /** The main window's webContents id, or null while there is no window. */
  mainContentsId: () => number | null;
  isAppUrl: (url: string) => boolean;
  handlers: ApiHandlers;
}

export type IpcRouter = (channel: string, event: InvokeEvent, payload: unknown) => Promise<unknown>;

export function createIpcRouter(deps: IpcRouterDeps): IpcRouter {
  return async (channel, event, payload) => {
    const method = METHOD_BY_CHANNEL.get(channel);
    if (!method) throw new IpcRejectedError(`IPC rejected: unknown channel "${channel}"`);
    const mainId = deps.mainContentsId();
    if (mainId === null || event.sender.id !== mainId) {
      throw new IpcRejectedError(`IPC rejected: "${channel}" was not sent by the main window`);
    }
    const frameUrl = event.senderFrame?.url ?? '';
    if (!deps.isAppUrl(frameUrl)) {
      throw new IpcRejectedError(`IPC rejected: "${channel}" came from a foreign page (${frameUrl || 'no frame'})`);
    }
    const parsed = PAYLOAD_SCHEMAS[method].safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`)
        .join('; ');
      throw new IpcRejectedError(`IPC rejected: invalid payload for "${channel}": ${problems}`);
    }
    // The schema for `method` produced `parsed.data`, so it is that method's payload.
    const handler = deps.handlers[method] as (p: unknown) => Promise<unknown>;
    return handler(parsed.data);
  };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, payload: unknown) => Promise<unknown>): void;
}

/** Registers one handler per known channel; unknown channels have no handler at all. */
export function registerIpc(ipcMain: IpcMainLike, router: IpcRouter): void {
  for (const channel of Object.values(CHANNELS)) {
    ipcMain.handle(channel, (event, payload) => router(channel, event, payload));
  }
}

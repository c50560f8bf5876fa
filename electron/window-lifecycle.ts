/**
 * What happens when a window closes or its renderer dies. Plain functions over the Electron
 * objects they receive (tested under Node with fakes):
 * - closing (or quitting) with unsaved changes asks Save / Don't Save / Cancel;
 * - a renderer that crashed or was killed is reloaded, and the reloaded page offers the work its
 *   autosave kept; a renderer that keeps dying is not reloaded in a loop.
 */

export interface MessageBoxOptions {
  type: 'question' | 'warning' | 'error';
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export type ShowMessage = (options: MessageBoxOptions) => Promise<{ response: number }>;

/** The parts of BrowserWindow the close guard uses. */
export interface GuardedWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  close(): void;
}

export interface CloseGuardDeps {
  showMessage: ShowMessage;
  /** Asks the renderer to save and then close (it calls `closeWithoutAsking` when saved). */
  requestSaveAndClose: () => void;
  /** The user chose Cancel: a quit in progress is abandoned. */
  onCancel?: () => void;
}

export interface CloseGuard {
  /** The renderer reports whether its document has unsaved changes. */
  setDirty(dirty: boolean): void;
  isDirty(): boolean;
  /** Closes the window without asking (after a successful "Save" from the dialog). */
  closeWithoutAsking(): void;
}

export const CLOSE_BUTTONS = ['Save', "Don't Save", 'Cancel'] as const;

export function attachCloseGuard(win: GuardedWindow, deps: CloseGuardDeps): CloseGuard {
  let dirty = false;
  let allowClose = false;
  let asking = false;

  win.on('close', (event) => {
    if (allowClose || !dirty) return;
    event.preventDefault();
    if (asking) return; // a second close (e.g. quit while the dialog is up) waits for the answer
    asking = true;
    deps
      .showMessage({
        type: 'question',
        message: 'Save the changes to this graph before closing?',
        detail: 'Your changes will be lost if you close without saving.',
        buttons: [...CLOSE_BUTTONS],
        defaultId: 0,
        cancelId: 2,
      })
      .then(
        ({ response }) => {
          asking = false;
          if (response === 0) deps.requestSaveAndClose();
          else if (response === 1) {
            allowClose = true;
            win.close();
          } else deps.onCancel?.();
        },
        () => {
          // No dialog could be shown: keep the window (and the work) open.
          asking = false;
          deps.onCancel?.();
        },
      );
  });

  return {
    setDirty(value) {
      dirty = value;
    },
    isDirty: () => dirty,
    closeWithoutAsking() {
      allowClose = true;
      win.close();
    },
  };
}

/** The parts of WebContents crash recovery uses. */
export interface RecoverableContents {
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  reload(): void;
}

export interface CrashRecoveryDeps {
  showMessage: ShowMessage;
  log: (message: string) => void;
  now?: () => number;
  /** Called on every crash (the close guard's dirty flag is stale until the page reports again). */
  onGone?: () => void;
}

/** More crashes than this within CRASH_WINDOW_MS stop the automatic reloads. */
export const MAX_RELOADS = 3;
export const CRASH_WINDOW_MS = 60_000;

export function attachCrashRecovery(contents: RecoverableContents, deps: CrashRecoveryDeps): void {
  const now = deps.now ?? Date.now;
  let crashes: number[] = [];
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    deps.onGone?.();
    const at = now();
    crashes = [...crashes.filter((t) => at - t < CRASH_WINDOW_MS), at];
    deps.log(`renderer gone (${details.reason}, exit code ${details.exitCode})`);
    if (crashes.length <= MAX_RELOADS) {
      // The reloaded page finds the autosave and offers to restore it.
      contents.reload();
      return;
    }
    void deps
      .showMessage({
        type: 'error',
        message: 'Netwright’s window keeps stopping',
        detail:
          `It stopped ${crashes.length} times in a minute (last: ${details.reason}). ` +
          'Your autosaved work is kept and is offered when the window reloads.',
        buttons: ['Reload', 'Leave it'],
        defaultId: 0,
        cancelId: 1,
      })
      .then(({ response }) => {
        if (response === 0) {
          crashes = [];
          contents.reload();
        }
      });
  });
}

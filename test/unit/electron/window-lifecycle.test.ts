import { describe, expect, it, vi, type Mock } from 'vitest';
import {
  attachCloseGuard,
  attachCrashRecovery,
  CRASH_WINDOW_MS,
  MAX_RELOADS,
  type GuardedWindow,
  type MessageBoxOptions,
  type RecoverableContents,
} from '../../../electron/window-lifecycle';

/** A BrowserWindow stand-in: close() emits 'close' and closes unless a listener prevents it. */
class FakeWindow implements GuardedWindow {
  closed = false;
  private listeners: ((event: { preventDefault(): void }) => void)[] = [];
  on(_event: 'close', listener: (event: { preventDefault(): void }) => void): this {
    this.listeners.push(listener);
    return this;
  }
  close(): void {
    let prevented = false;
    for (const l of this.listeners) l({ preventDefault: () => (prevented = true) });
    if (!prevented) this.closed = true;
  }
}

function dialogAnswering(label: string) {
  return vi.fn(async (options: MessageBoxOptions) => ({ response: options.buttons.indexOf(label) }));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('closing a window', () => {
  it('closes without asking when the document is saved', async () => {
    const win = new FakeWindow();
    const showMessage = dialogAnswering('Cancel');
    attachCloseGuard(win, { showMessage, requestSaveAndClose: vi.fn() });
    win.close();
    expect(win.closed).toBe(true);
    expect(showMessage).not.toHaveBeenCalled();
  });

  it('with unsaved changes asks Save / Don’t Save / Cancel; Cancel keeps the window', async () => {
    const win = new FakeWindow();
    const showMessage = dialogAnswering('Cancel');
    const onCancel = vi.fn();
    const guard = attachCloseGuard(win, { showMessage, requestSaveAndClose: vi.fn(), onCancel });
    guard.setDirty(true);
    win.close();
    await settle();
    expect(showMessage.mock.calls[0]?.[0].buttons).toEqual(['Save', "Don't Save", 'Cancel']);
    expect(showMessage.mock.calls[0]?.[0].cancelId).toBe(2);
    expect(win.closed).toBe(false);
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it('Don’t Save closes the window', async () => {
    const win = new FakeWindow();
    const guard = attachCloseGuard(win, { showMessage: dialogAnswering("Don't Save"), requestSaveAndClose: vi.fn() });
    guard.setDirty(true);
    win.close();
    await settle();
    expect(win.closed).toBe(true);
  });

  it('Save asks the renderer to save; the window closes only when it reports the save done', async () => {
    const win = new FakeWindow();
    const requestSaveAndClose = vi.fn();
    const guard = attachCloseGuard(win, { showMessage: dialogAnswering('Save'), requestSaveAndClose });
    guard.setDirty(true);
    win.close();
    await settle();
    expect(requestSaveAndClose).toHaveBeenCalledOnce();
    expect(win.closed).toBe(false);
    guard.closeWithoutAsking(); // the renderer saved and called closeWindow
    expect(win.closed).toBe(true);
  });

  it('asks once when close is requested again while the question is open (quit during close)', async () => {
    const win = new FakeWindow();
    const showMessage = dialogAnswering('Cancel');
    const guard = attachCloseGuard(win, { showMessage, requestSaveAndClose: vi.fn() });
    guard.setDirty(true);
    win.close();
    win.close();
    await settle();
    expect(showMessage).toHaveBeenCalledOnce();
  });
});

describe('a renderer that dies', () => {
  function contents() {
    let listener: ((event: unknown, details: { reason: string; exitCode: number }) => void) | null = null;
    const fake: RecoverableContents & { gone(reason: string): void; reload: Mock<() => void> } = {
      on: (_event, l) => {
        listener = l;
        return fake;
      },
      reload: vi.fn<() => void>(),
      gone: (reason) => listener?.({}, { reason, exitCode: 137 }),
    };
    return fake;
  }

  it('is reloaded (the reloaded page offers its autosave), unless it exited cleanly', () => {
    const page = contents();
    const onGone = vi.fn();
    const log = vi.fn();
    attachCrashRecovery(page, { showMessage: dialogAnswering('Reload'), log, onGone });
    page.gone('clean-exit');
    expect(page.reload).not.toHaveBeenCalled();
    page.gone('oom');
    expect(page.reload).toHaveBeenCalledOnce();
    expect(onGone).toHaveBeenCalledOnce();
    expect(log).toHaveBeenCalledWith('renderer gone (oom, exit code 137)');
  });

  it('is not reloaded in a loop: after too many crashes in a minute the user is asked', async () => {
    const page = contents();
    let now = 0;
    const showMessage = dialogAnswering('Leave it');
    attachCrashRecovery(page, { showMessage, log: vi.fn(), now: () => now });
    for (let i = 0; i < MAX_RELOADS + 1; i++) {
      page.gone('crashed');
      now += 1000;
    }
    await settle();
    expect(page.reload).toHaveBeenCalledTimes(MAX_RELOADS);
    expect(showMessage.mock.calls[0]?.[0].message).toBe('Netwright’s window keeps stopping');
    now += CRASH_WINDOW_MS; // a minute later a crash is reloaded again
    page.gone('crashed');
    expect(page.reload).toHaveBeenCalledTimes(MAX_RELOADS + 1);
  });
});

/** The platform of the running shell, chosen once at startup. */
import { createElectronPlatform } from './electron-platform';
import { createWebPlatform } from './web-platform';
import type { Platform } from './platform';

export type { AutosaveSlot, AutosaveSlots, ExportFilter, FileRef, MenuCommand, OpenedFile, Platform, SavedFile } from './platform';

export const platform: Platform = window.netwright ? createElectronPlatform(window.netwright) : createWebPlatform();

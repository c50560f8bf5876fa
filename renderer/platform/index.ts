/** The platform of the running shell, chosen once at startup. */
import { createElectronPlatform } from './electron-platform';
import { createWebPlatform } from './web-platform';
import type { Platform } from './platform';

export type { FileRef, Platform } from './platform';

export const platform: Platform = window.netwright ? createElectronPlatform(window.netwright) : createWebPlatform();

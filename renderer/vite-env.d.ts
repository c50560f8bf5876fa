/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** package.json "version", injected by vite.config.ts. */
  readonly PACKAGE_VERSION: string;
}

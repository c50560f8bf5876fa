import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// js-yaml ships with electron-builder (which reads this same file with it).
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  extraMetadata?: { main?: string };
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  directories: { output: string };
  asar: boolean;
  electronFuses?: Record<string, boolean>;
}

const config = yaml.load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it('identifies the app', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+){2,}$/);
    expect(config.productName).toBe('Netwright');
  });

  it('builds AppImage and deb for Linux, dmg for macOS, nsis for Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('packs the built main process and renderer, and the entry point exists among them', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist-electron/**/*', 'dist/**/*', 'package.json']));
    expect(pkg.main).toBe('dist-electron/main.cjs');
    expect(config.extraMetadata?.main ?? pkg.main).toBe('dist-electron/main.cjs');
    expect(config.directories.output).toBe('release');
  });

  it('is what `npm run dist` uses, after building', () => {
    expect(pkg.scripts.dist).toMatch(/electron-builder .*--config electron-builder\.yml/);
    expect(pkg.scripts.dist).toMatch(/npm run build\b/);
  });

  it('flips the Electron fuses that close Node-level entry points in the packaged app', () => {
    // Every fuse is stated, so a fuse left at Electron's default is a visible decision.
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('pins Electron to an exact 45.x release and ships no unused tfjs umbrella package', () => {
    expect(pkg.devDependencies.electron).toMatch(/^45\.\d+\.\d+$/);
    expect(pkg.dependencies).not.toHaveProperty('@tensorflow/tfjs');
  });
});

/**
 * Every computing layer type carries its backend-agreement examples in its declaration (the
 * webgl, webgpu and wasm agreement tests run exactly these), and each example is a valid use of
 * the type: its parameters parse and pass the type's own rules, its inputs name the type's input
 * ports (every required one wired) and its shape rule accepts them. Cheap (no tfjs backend), so a
 * declaration without examples, or with a stale one, fails here first.
 */
import { describe, expect, it } from 'vitest';
import { portsOf, type LayerDecl } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { allDecls } from '../../../core/catalogue/registry';

const layerDecls = allDecls().filter((d): d is LayerDecl => d.kind === 'layer');

describe('backend-agreement examples in the declarations', () => {
  it('the catalogue has layer types to check', () => {
    expect(layerDecls.length).toBeGreaterThan(40);
  });

  it('every layer type lists at least one example', () => {
    const without = layerDecls.filter((d) => !d.backendExamples?.length).map((d) => d.type);
    expect(without, 'add backendExamples to these declarations').toEqual([]);
  });

  it('an Input has none (it computes nothing)', () => {
    const inputs = allDecls().filter((d) => d.kind === 'input');
    expect(inputs.length).toBeGreaterThan(0);
    for (const d of inputs) expect(d.kind === 'input' && d.backendExamples, d.type).toBeFalsy();
  });

  for (const decl of layerDecls) {
    it(`${decl.type}: every example is a valid configuration with inputs at its ports`, () => {
      for (const [i, example] of (decl.backendExamples ?? []).entries()) {
        const where = `${decl.type} example ${i} ${JSON.stringify(example.params)}`;
        const parsed = paramsObjectSchema(decl.params).safeParse(example.params);
        expect(parsed.success, `${where}: ${parsed.error?.message ?? ''}`).toBe(true);
        if (!parsed.success) continue;
        const params = parsed.data;
        expect(decl.validateParams?.(params) ?? [], where).toEqual([]);
        const ports = portsOf(decl.inputs, params);
        const portNames = ports.map((p) => p.name);
        expect(Object.keys(example.inputs).filter((name) => !portNames.includes(name)), `${where}: inputs at ports the type lacks`).toEqual([]);
        const unwired = ports.filter((p) => !p.optional && !example.inputs[p.name]?.length).map((p) => p.name);
        expect(unwired, `${where}: required ports without an input`).toEqual([]);
        const shapes = Object.fromEntries(Object.entries(example.inputs).map(([port, specs]) => [port, specs.map((s) => [null, ...s.shape])]));
        expect(() => decl.inferShapes({ params, inputs: shapes }), where).not.toThrow();
      }
    });
  }
});

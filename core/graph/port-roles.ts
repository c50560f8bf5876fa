/**
 * The ports of a graph that play a role (`PortSpec.role` in the declarations): how the inspection
 * views find attention maps, a VAE's sampler, a classifier's scores, a GAN's noise.
 */
import type { PortRole } from '../catalogue/decl';
import type { GraphAnalysis } from './analyze';

export interface RolePort {
  nodeId: string;
  port: string;
}

/** Output (or input) ports with `role`, nodes in topological order, ports in declared order. */
export function portsWithRole(analysis: GraphAnalysis, role: PortRole, side: 'output' | 'input' = 'output'): RolePort[] {
  return analysis.order.flatMap((nodeId) => {
    const node = analysis.nodes.get(nodeId);
    const ports = side === 'output' ? node?.outputPorts : node?.inputPorts;
    return (ports ?? []).filter((p) => p.role === role).map((p) => ({ nodeId, port: p.name }));
  });
}

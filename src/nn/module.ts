/**
 * The small Module protocol every layer follows (micrograd-sized): a module owns tf.Variables,
 * lists them with stable names, and frees them. `parameters()` is exactly what a training step
 * passes as the list of variables to differentiate, which is how gradient isolation is enforced.
 */
import type { Variable } from '../backend/tf.js';

export interface Module {
  /** Trainable variables with stable, checkpoint-friendly names (e.g. "conv.weight"). */
  namedParameters(): ReadonlyMap<string, Variable>;
  /** The same variables, in a fixed order. */
  parameters(): Variable[];
  /** Frees every variable. */
  dispose(): void;
}

/** Helper base: subclasses register variables once in their constructor. */
export abstract class BaseModule implements Module {
  private readonly params = new Map<string, Variable>();
  private readonly children = new Map<string, Module>();

  protected register(name: string, v: Variable): Variable {
    if (this.params.has(name)) throw new Error(`parameter "${name}" registered twice`);
    this.params.set(name, v);
    return v;
  }

  protected registerChild<M extends Module>(name: string, child: M): M {
    this.children.set(name, child);
    return child;
  }

  namedParameters(): ReadonlyMap<string, Variable> {
    const out = new Map(this.params);
    for (const [prefix, child] of this.children) {
      for (const [name, v] of child.namedParameters()) out.set(`${prefix}.${name}`, v);
    }
    return out;
  }

  parameters(): Variable[] {
    return [...this.namedParameters().values()];
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
  }
}

/** Number of scalar parameters of a module. */
export function parameterCount(module: Module): number {
  let n = 0;
  for (const v of module.parameters()) n += v.size;
  return n;
}

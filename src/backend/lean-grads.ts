/**
 * `tf.variableGrads` with PyTorch's memory behaviour in the backward pass.
 *
 * TF.js's Engine.gradients walks the tape backward but frees nothing until the walk ends: every
 * tensor a kernel saved for its gradient (activations) and every intermediate gradient stay alive
 * to the last node, so the backward's peak is all activations plus all their gradients at once.
 * PyTorch's autograd frees a node's saved tensors and its output gradients as soon as that node's
 * backward has run. This walk does the same. The kernels, their order and the accumulation are
 * those of tfjs-core 4.22 (tape.ts, engine.ts), so the gradients are bitwise the same.
 */
import { tf, type NamedTensorMap, type Scalar, type Tensor, type Variable } from './tf.js';

/** A tape node as tfjs-core 4.22 records it (engine.ts addTapeNode). */
interface TapeNode {
  readonly id: number;
  readonly kernelName: string;
  inputs: Record<string, Tensor>;
  readonly outputs: Tensor[];
  readonly saved?: Tensor[];
  readonly gradient?: (dys: (Tensor | null)[]) => Record<string, () => Tensor>;
}

/** The Engine internals this walk needs; public JavaScript members, private in the typings. */
interface EngineInternals {
  readonly state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T>(name: string, f: () => T): T;
}

/**
 * Gradients of the scalar f() with respect to `variables` ({value, grads} keyed by variable
 * name, as tf.variableGrads returns; variables f does not depend on are left out). Falls back
 * to tf.variableGrads inside another gradient computation (higher-order gradients need the tape).
 */
export function leanVariableGrads(
  f: () => Scalar,
  variables: readonly Variable[],
): { value: Scalar; grads: NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0 || engine.state.activeTape != null) {
    return tf.variableGrads(f, variables as Variable[]);
  }
  const trainable = variables.filter((v) => v.trainable);
  const value = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(value instanceof tf.Tensor) || value.rank !== 0) {
    throw new Error(
      `leanVariableGrads: f must return a scalar tensor, found ${value instanceof tf.Tensor ? `rank ${value.rank}` : typeof value}`,
    );
  }
  // f recorded the tape (the check above narrowed activeTape to null, hence the cast).
  const tape = (engine.state.activeTape as TapeNode[] | null) ?? [];
  const grads = engine.tidy('backward', () => {
    const result = backpropagateFreeing(filterTape(tape, trainable, value), trainable, value);
    for (const node of tape) for (const saved of node.saved ?? []) saved.dispose();
    return result;
  });
  engine.state.activeTape = null;
  const named: NamedTensorMap = {};
  trainable.forEach((v, i) => {
    if (grads[i]) named[v.name] = grads[i]!;
  });
  if (Object.keys(named).length === 0) {
    tf.dispose([value, ...grads.filter((g): g is Tensor => g != null)]);
    throw new Error('leanVariableGrads: f does not depend on any of the variables');
  }
  return { value, grads: named };
}

/**
 * tfjs-core's backpropagateGradients, plus the freeing: after a node's input gradients are
 * computed, its saved tensors and its outputs' gradients are disposed (the variables' gradients,
 * the results, never are).
 */
function backpropagateFreeing(
  nodes: readonly TapeNode[],
  variables: readonly Variable[],
  y: Tensor,
): (Tensor | undefined)[] {
  const results = new Set(variables.map((v) => v.id));
  const gradOf = new Map<number, Tensor>([[y.id, tf.onesLike(y)]]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const dys = node.outputs.map((o) => gradOf.get(o.id) ?? null);
    if (!node.gradient) {
      throw new Error(
        `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
      );
    }
    const inputGradients = node.gradient(dys);
    const assigned = new Set<Tensor>();
    for (const inputName in node.inputs) {
      const compute = inputGradients[inputName];
      if (!compute)
        throw new Error(`Cannot backprop through input ${inputName} of ${node.kernelName}.`);
      const dx = tf.tidy(compute);
      const x = node.inputs[inputName]!;
      if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}: the gradient of input '${inputName}' is ${dx.dtype} [${dx.shape}], expected float32 [${x.shape}]`,
        );
      }
      const current = gradOf.get(x.id);
      const total = current ? tf.add(current, dx) : dx;
      if (current) {
        current.dispose();
        // tfjs-core leaves dx to the 'backward' tidy; free it now unless a gradient function
        // handed back a tensor that is still in use (a dy, or another input's gradient).
        if (!dys.includes(dx) && !assigned.has(dx)) dx.dispose();
      }
      gradOf.set(x.id, total);
      assigned.add(total);
    }
    // What PyTorch frees here: this node's saved activations and its outputs' gradients.
    for (const saved of node.saved ?? []) saved.dispose();
    node.outputs.forEach((o, k) => {
      const dy = dys[k];
      if (!dy || results.has(o.id) || assigned.has(dy)) return;
      dy.dispose();
      gradOf.delete(o.id);
    });
  }
  return variables.map((v) => gradOf.get(v.id));
}

/** tfjs-core's getFilteredNodesXToY (tape.ts): the nodes on a path from the xs to y. */
function filterTape(tape: readonly TapeNode[], xs: readonly Tensor[], y: Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      node.outputs.forEach((o) => fromX.add(o.id));
      nodesFromX.add(node.id);
    }
  }
  const leadToY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    const inputs = Object.values(node.inputs);
    if (inputs.length > 0 && node.outputs.some((o) => leadToY.has(o.id))) {
      for (const input of inputs) leadToY.add(input.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).filter(([, input]) => fromX.has(input.id)),
      ),
    }));
}

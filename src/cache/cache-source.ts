/**
 * Training batches read from an activation cache, one shard in memory at a time: each epoch
 * visits the shards in a random order and the items of a shard in a random order. Items left
 * over at the end of a shard (fewer than a batch) are skipped for that epoch.
 */
import { Rng } from '../backend/random.js';
import { DataError } from '../errors.js';
import {
  readManifest,
  readShard,
  type CacheItemBatch,
  type CacheManifest,
} from './activation-cache.js';

interface CacheSourceState {
  kind: 'cache';
  epochRng: number[];
  /** Position in the epoch's shard order, and batches taken from that shard. */
  shardPos: number;
  batchInShard: number;
}

export class CacheSource {
  readonly manifest: CacheManifest;
  readonly itemSize: number;
  private readonly rng: Rng;
  private epochRng: number[];
  private order: Int32Array = new Int32Array(0);
  private shardPos = 0;
  private batchInShard = 0;
  private shard: { data: CacheItemBatch; perm: Int32Array } | null = null;

  constructor(
    readonly dir: string,
    readonly batchSize: number,
    seed: number,
  ) {
    const manifest = readManifest(dir);
    if (!manifest)
      throw new DataError(dir, 'no complete activation cache here (manifest.json missing)');
    this.manifest = manifest;
    this.itemSize = manifest.itemShape.reduce((a, b) => a * b, 1);
    if (!manifest.shards.some((s) => s.items >= batchSize)) {
      throw new DataError(
        dir,
        `no shard holds a full batch of ${batchSize} items (largest ${Math.max(...manifest.shards.map((s) => s.items))})`,
      );
    }
    this.rng = new Rng(seed);
    this.epochRng = this.rng.getState();
    this.startEpoch();
  }

  /** Shape of one item (audio [T, C], vision [G·G, h, w, C]). */
  get itemShape(): readonly number[] {
    return this.manifest.itemShape;
  }

  private startEpoch(): void {
    this.epochRng = this.rng.getState();
    this.order = this.rng.permutation(this.manifest.shards.length);
    this.shardPos = 0;
    this.batchInShard = 0;
    this.shard = null;
  }

  /** The next batch: values [batchSize × itemSize] and the items' labels. */
  async next(): Promise<{ values: Float32Array; labels: Int32Array }> {
    for (;;) {
      if (this.shardPos >= this.order.length) this.startEpoch();
      const index = this.order[this.shardPos]!;
      const items = this.manifest.shards[index]!.items;
      if (!this.shard) {
        const perm = this.rng.permutation(items);
        this.shard = { data: readShard(this.dir, this.manifest, index), perm };
      }
      if ((this.batchInShard + 1) * this.batchSize <= items) {
        const values = new Float32Array(this.batchSize * this.itemSize);
        const labels = new Int32Array(this.batchSize);
        for (let b = 0; b < this.batchSize; b++) {
          const item = this.shard.perm[this.batchInShard * this.batchSize + b]!;
          values.set(
            this.shard.data.values.subarray(item * this.itemSize, (item + 1) * this.itemSize),
            b * this.itemSize,
          );
          labels[b] = this.shard.data.label[item]!;
        }
        this.batchInShard += 1;
        return { values, labels };
      }
      this.shard = null;
      this.shardPos += 1;
      this.batchInShard = 0;
    }
  }

  getState(): CacheSourceState {
    return {
      kind: 'cache',
      epochRng: this.epochRng,
      shardPos: this.shardPos,
      batchInShard: this.batchInShard,
    };
  }

  /** Replays the epoch's draws (shard order and item permutations) without reading skipped shards. */
  setState(state: CacheSourceState): void {
    if (state?.kind !== 'cache')
      throw new Error(`cache source: cannot restore state ${JSON.stringify(state)}`);
    this.rng.setState(state.epochRng);
    this.startEpoch();
    for (let p = 0; p < state.shardPos; p++)
      this.rng.permutation(this.manifest.shards[this.order[p]!]!.items);
    this.shardPos = state.shardPos;
    this.batchInShard = state.batchInShard;
    if (state.batchInShard > 0) {
      const index = this.order[this.shardPos]!;
      const perm = this.rng.permutation(this.manifest.shards[index]!.items);
      this.shard = { data: readShard(this.dir, this.manifest, index), perm };
    }
  }

  /** Every item once, in stored order (to build the next module's cache). */
  async *inOrder(): AsyncGenerator<CacheItemBatch> {
    for (let i = 0; i < this.manifest.shards.length; i++)
      yield readShard(this.dir, this.manifest, i);
  }
}

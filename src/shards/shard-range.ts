// Which images a shard evaluates: shard I of N takes the contiguous slice
// [floor(I·n/N), floor((I+1)·n/N)) of n images. Consecutive shards meet exactly, so the N
// slices cover every image once, and their sizes differ by at most one.

/** The images [start, end) of one shard. */
export interface ShardRange {
  start: number;
  end: number;
}

/** The slice of `total` images that shard `index` of `count` evaluates. */
export function shardRange(index: number, count: number, total: number): ShardRange {
  // index·total stays far below 2^53 for any image count a file can hold, so the products
  // are exact and floor() divides them as integers would
  return {
    start: Math.floor((index * total) / count),
    end: Math.floor(((index + 1) * total) / count),
  };
}

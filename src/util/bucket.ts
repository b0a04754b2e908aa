/**
 * Which of `buckets` index records an id goes in: a fixed spread, the same in every process, so that an index
 * is read with a fixed number of reads and no one record grows with everything listed (src/jobs/repo.ts,
 * src/interactions/pending.ts).
 */
export function bucketOf(id: string, buckets: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % buckets;
}

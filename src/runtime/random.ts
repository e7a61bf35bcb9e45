// The seedable generator behind `randn`: mulberry32 for uniforms, Box-Muller for normals. Small,
// fast and reproducible across platforms, which is what gradient checks with `--seed` need.

let state = (Math.random() * 2 ** 32) >>> 0;
// Box-Muller yields normals in pairs; the second is kept for the next draw.
let spare: number | null = null;

/** Makes every later `randn` reproducible: the same seed gives the same numbers. */
export function seed(n: number): void {
  if (!Number.isFinite(n)) throw new Error(`seed must be a finite number, got ${n}`);
  state = Math.trunc(n) >>> 0;
  spare = null;
}

/** A uniform draw in [0, 1). */
export function uniform(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A standard normal draw. */
export function normal(): number {
  if (spare !== null) {
    const s = spare;
    spare = null;
    return s;
  }
  // 1 − u keeps the logarithm's argument in (0, 1].
  const r = Math.sqrt(-2 * Math.log(1 - uniform()));
  const theta = 2 * Math.PI * uniform();
  spare = r * Math.sin(theta);
  return r * Math.cos(theta);
}

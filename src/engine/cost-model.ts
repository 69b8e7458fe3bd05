/**
 * The batch cost model: time = fixedMs + perItemMs × size, fitted by weighted least squares over
 * recent samples, as Apache Beam's BatchElements does. Pure arithmetic, no state.
 */

export interface CostPoint {
  size: number;
  durationMs: number;
  /** Relative trust in this point (recent points weigh more). */
  weight: number;
}

/** A batch's expected duration: `fixedMs + perItemMs × size` (fitted by {@link fitCostModel}). */
export interface CostModel {
  fixedMs: number;
  perItemMs: number;
}

/**
 * Fit the model. When the sizes are (nearly) all equal the slope cannot be told from the intercept,
 * so the whole duration is charged per item (fixedMs = 0): that overestimates the per-item cost,
 * which errs toward smaller batches until a second size is seen. Returns undefined without usable data.
 */
export function fitCostModel(points: readonly CostPoint[]): CostModel | undefined {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    if (!(p.size > 0) || !(p.durationMs >= 0) || !(p.weight > 0) || !Number.isFinite(p.durationMs)) continue;
    sw += p.weight;
    sx += p.weight * p.size;
    sy += p.weight * p.durationMs;
  }
  if (sw === 0) return undefined;
  const meanX = sx / sw;
  const meanY = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    if (!(p.size > 0) || !(p.durationMs >= 0) || !(p.weight > 0) || !Number.isFinite(p.durationMs)) continue;
    sxx += p.weight * (p.size - meanX) ** 2;
    sxy += p.weight * (p.size - meanX) * (p.durationMs - meanY);
  }
  const throughOrigin: CostModel = { fixedMs: 0, perItemMs: meanY / meanX };
  // Relative spread under 1 %: the sizes are effectively one point.
  if (sxx <= 1e-4 * sw * meanX * meanX) return throughOrigin;
  const perItemMs = sxy / sxx;
  const fixedMs = meanY - perItemMs * meanX;
  // Noise can give a negative slope or intercept; neither is physical.
  if (!(perItemMs > 0) || fixedMs < 0) return throughOrigin;
  return { fixedMs, perItemMs };
}

/** Predicted duration of a batch of `size` items. */
export function predictDurationMs(model: CostModel, size: number): number {
  return model.fixedMs + model.perItemMs * size;
}

/** The size whose predicted duration is `targetMs`: 0 when the fixed cost alone exceeds it, Infinity when items are free. */
export function sizeForDuration(model: CostModel, targetMs: number): number {
  if (model.fixedMs >= targetMs) return 0;
  if (!(model.perItemMs > 0)) return Number.POSITIVE_INFINITY;
  return (targetMs - model.fixedMs) / model.perItemMs;
}

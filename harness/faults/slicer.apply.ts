import type { FaultAction, FaultParams } from './context.js';
import { addToxics, toxics } from './toxics.js';

export const slicerAction: FaultAction<FaultParams<'slicer'>> = {
  async apply(ctx, p) {
    const attributes = {
      average_size: p.averageSize,
      size_variation: Math.min(p.sizeVariation, p.averageSize - 1),
      // Toxiproxy's slicer delay is in microseconds.
      delay: p.delay * 1000,
    };
    const heal = await addToxics(ctx.proxy, toxics('slicer', 'slicer', attributes));
    return {
      detail: `Toxiproxy slicer ${p.averageSize} ± ${attributes.size_variation} bytes, ${p.delay} ms apart, both directions`,
      heal,
    };
  },
};

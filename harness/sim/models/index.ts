import type { ModelName } from '../model-options.js';
import type { ModelFactory } from './model.js';
import { resilient } from './resilient.js';
import { robust } from './robust.js';
import { robust2 } from './robust2.js';
import { simple } from './simple.js';

/** One module per model, as docs/virtual-rack.md lists them. */
export const MODELS: Record<ModelName, ModelFactory> = { simple, robust, robust2, resilient };

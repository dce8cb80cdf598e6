import { Type } from '../json-schema.ts';
import { DURATION_PATTERN, POSITIVE_DURATION_PATTERN } from './duration.ts';

/** A duration such as 30m or 12h, with its default. */
export const Duration = (description: string, def?: string, pattern = DURATION_PATTERN) =>
  Type.String({ pattern, description, ...(def === undefined ? {} : { default: def }) });
/** A duration above zero. */
export const PositiveDuration = (description: string, def: string) =>
  Duration(description, def, POSITIVE_DURATION_PATTERN);

/** The Pod manifest model: parse, validate, default. */
export const SPEC_PLACEHOLDER = true;

/**
 * The pipeline returns a ReviewResult; its type is defined beside the findings it carries
 * (findings/reviewResult.ts) so that report/ can read it without importing the pipeline.
 */
export * from '../findings/reviewResult.js';

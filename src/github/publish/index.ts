/**
 * Publishing a review result to GitHub: the check run, the review with its
 * inline comments, and the upkeep of mesh-review's own threads. Planning is
 * pure (checkRunPlan, reviewPlan, reviewBody); the rest does the I/O, every
 * write through one WriteThrottle.
 */
export * from './checkRun.js';
export * from './existingThreads.js';
export * from './httpErrors.js';
export * from './markers.js';
export * from './publishReview.js';
export * from './reviewBody.js';
export * from './reviewPlan.js';
export * from './secrets.js';
export * from './writeThrottle.js';
export { fitBytes, describe as describeFinding } from './checkRunPlan.js';
export * from './checkRunLifecycle.js';

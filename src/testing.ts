/** Testing helpers for users and backend authors. */
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckReport } from './autograd/gradcheck.js';

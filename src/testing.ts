/** Testing helpers for users and backend authors. */
export { gradcheck, gradcheckAsync } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckReport } from './autograd/gradcheck.js';

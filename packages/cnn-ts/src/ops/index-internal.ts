/** Ops used across the layers code, from one import. */
export { add, sub, mul, div, equal, greater, less, squaredDifference } from './binary.js';
export { neg, square } from './unary.js';

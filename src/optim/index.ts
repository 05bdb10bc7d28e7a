/** nabla.optim — see docs. */
export {};

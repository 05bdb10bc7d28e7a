/** nabla.train — see docs. */
export {};
